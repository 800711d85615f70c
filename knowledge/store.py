"""The store of past projects: Chroma collections, one per tenant.

Embedded Chroma (``PersistentClient`` under ``<data dir>/chroma``) by default, or a ``chroma run``
server when a URL is given. Every method takes the tenant first and only ever touches that
tenant's collection:

- **Isolation by construction.** Each tenant gets its own collection, named from a hash of the
  tenant id. A query cannot reach another tenant's vectors even if a filter were forgotten, the
  nearest-neighbour search returns a full ``k`` from the tenant's own data (a shared collection
  with a metadata filter would search everyone's graph first) and a tenant can be dropped whole.
  Each record also carries its tenant, checked again when read (belt and braces).
- **Whole projects.** The full :class:`PastProject` is stored as JSON in the record's metadata,
  so ``get``/``list``/``search`` return complete objects; the document is the text embedded.
- **One model per collection.** The collection records which embedding model built it; opening
  it with another model raises :class:`ModelMismatch`, whose message names the re-index command.
- **Re-indexes elsewhere are seamless.** A re-index builds the new collection under another
  name and swaps it in with two renames, so no reader ever sees a half-built one; a handle
  cached here whose collection a re-index in another process replaced is looked up again by
  name (waiting out the swap) and the read is made once more.
- **Failures are plain.** A server that is down or a directory that cannot be written raises
  :class:`KnowledgeUnavailable` with a message a user can act on; writes happen in whole batches
  after all the embedding work, so a failure never leaves a project half-stored.

Methods are synchronous (Chroma and the model are); async callers use ``asyncio.to_thread``.
"""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
import logging
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

import numpy as np

from knowledge.embeddings import (
    ChromaEmbeddingFunction,
    Embedder,
    EmbeddingsUnavailable,
    get_embedder,
    setting_for,
)
from knowledge.models import PastProject, normalise_tag

BATCH = 256  # projects embedded and written per round trip
MAX_K = 100
_OVERFETCH = 4  # unfiltered neighbours fetched per wanted result before filtering
_READ_PAGE = 5_000  # records per read: Chroma's SQLite refuses ~32k variables in one query
_CHANGES_KEPT = 64  # writes per tenant whose ids are remembered (for incremental readers)
_CHANGE_IDS_MAX = 5_000  # a bigger write is remembered as "anything may have changed"
# chromadb's HTTP client waits forever on a server that accepts but never answers (httpx
# timeout=None, hard-coded in chromadb 1.5); every server call is bounded by this instead.
SERVER_TIMEOUT_SECONDS = 15.0
# How long a reader waits for a re-index elsewhere to finish swapping its new collection in
# (two renames, normally milliseconds apart) before taking the workspace as having none.
SWAP_WAIT_SECONDS = 2.0
_SWAP_POLL_SECONDS = 0.02

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Match:
    """A search hit: the project and how close it is to the query (0..1, higher is closer)."""

    project: PastProject
    similarity: float


class KnowledgeUnavailable(Exception):
    """The store cannot be used right now; the message says why in plain words."""


class ModelMismatch(KnowledgeUnavailable):
    """The tenant's index was built with another embedding model."""


def collection_name(tenant: str) -> str:
    """A valid Chroma collection name for any tenant id (ids may hold any character)."""
    return "atelier-" + hashlib.sha256(tenant.encode("utf-8")).hexdigest()[:40]


def _building_name(name: str) -> str:
    """Where a re-index builds the new collection before it takes ``name``."""
    return name[:-4] + "-new"


def _aside_name(name: str) -> str:
    """Where a re-index puts the old collection while the new one takes ``name``."""
    return name[:-4] + "-old"


def _tag_key(tag: str) -> str:
    return "tag_" + normalise_tag(tag)


def _check_tenant(tenant: str) -> str:
    if not isinstance(tenant, str) or not tenant.strip():
        raise ValueError("a tenant id is required")
    return tenant


class ProjectStore:
    """Past projects per tenant, searchable by meaning and filterable by status/type/tags."""

    def __init__(self, client: Any, embedder: Embedder, where: str) -> None:
        self.client = client
        self.embedder = embedder
        self.where = where  # for messages: "the store in DIR" / "the Chroma server at URL"
        self._function = ChromaEmbeddingFunction(embedder)
        self._collections: dict[str, Any] = {}
        self._lock = threading.RLock()
        self._reindexing: dict[str, threading.Lock] = {}  # per workspace (see reindex)
        self._generations: Counter[str] = Counter()
        # (generation after the write, ids written or None for "too many to list"), per tenant
        self._changes: dict[str, deque[tuple[int, frozenset[str] | None]]] = {}

    # --- opening ---------------------------------------------------------------------------

    @classmethod
    def open(
        cls, data_dir: Path, chroma_url: str | None = None, embeddings: str = "local"
    ) -> ProjectStore:
        """Open (creating if needed) the embedded store in ``data_dir``, or connect to a server."""
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        try:
            embedder = get_embedder(embeddings)
        except EmbeddingsUnavailable as problem:
            raise KnowledgeUnavailable(str(problem)) from None
        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if chroma_url:
            url = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
            if not url.hostname:
                raise KnowledgeUnavailable(
                    f"ATELIER_CHROMA_URL={chroma_url!r} is not a URL like http://127.0.0.1:8000"
                )
            ssl = url.scheme == "https"
            port = url.port or (443 if ssl else 8000)
            where = f"the Chroma server at {url.scheme}://{url.hostname}:{port}"
            try:
                # HttpClient() itself makes requests: probe first, with a bound.
                _probe(f"{url.scheme}://{url.hostname}:{port}")
                client = chromadb.HttpClient(
                    host=url.hostname, port=port, ssl=ssl, settings=chroma_settings
                )
                _bound_requests(client)
                client.heartbeat()
            except Exception as problem:
                raise KnowledgeUnavailable(
                    f"I can't reach {where} ({_reason(problem)}). Check that it is running "
                    "and that ATELIER_CHROMA_URL is right."
                ) from None
            return cls(client, embedder, where)
        path = Path(data_dir) / "chroma"
        where = f"the project store in {path}"
        try:
            path.mkdir(parents=True, exist_ok=True)
            if not os.access(path, os.W_OK | os.X_OK):
                raise PermissionError(f"no write permission on {path}")
            client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        except Exception as problem:
            raise KnowledgeUnavailable(
                f"I can't open {where} ({_reason(problem)}). Check that the directory "
                "exists and is writable, or set ATELIER_DATA_DIR."
            ) from None
        return cls(client, embedder, where)

    def warm_up(self) -> None:
        """Load the embedding model ahead of the first search (a bot that has just started
        calls this in the background; a remote model has nothing to load)."""
        warm = getattr(self.embedder, "warm_up", None)
        if callable(warm):
            warm()

    def generation(self, tenant: str) -> int:
        """How many times this store object has written ``tenant``'s projects.

        Lets callers that cache a tenant's projects notice this process's own writes at once,
        without asking Chroma (writes by other processes need a :meth:`count`).
        """
        return self._generations[tenant]

    def changed_since(self, tenant: str, generation: int) -> frozenset[str] | None:
        """The ids this store object wrote for ``tenant`` after ``generation``.

        ``None`` when it cannot say (the writes are older than the ones remembered, or one of
        them was too big to list): the caller should read the tenant again in full.
        """
        with self._lock:
            current = self._generations[tenant]
            if generation == current:
                return frozenset()
            log = self._changes.get(tenant)
            if generation > current or not log or log[0][0] > generation + 1:
                return None
            changed: set[str] = set()
            for after, ids in log:
                if after > generation:
                    if ids is None:
                        return None
                    changed |= ids
            return frozenset(changed)

    def _wrote(self, tenant: str, ids: Sequence[str] | None = None) -> None:
        with self._lock:
            self._generations[tenant] += 1
            log = self._changes.setdefault(tenant, deque(maxlen=_CHANGES_KEPT))
            known = frozenset(ids) if ids is not None and len(ids) <= _CHANGE_IDS_MAX else None
            log.append((self._generations[tenant], known))

    def close(self) -> None:
        """Forget cached handles (the embedded client is shared per path by Chroma)."""
        with self._lock:
            self._collections.clear()

    @contextmanager
    def _guard(self, doing: str) -> Iterator[None]:
        try:
            yield
        except (KnowledgeUnavailable, ValueError, EmbeddingsUnavailable):
            raise
        except Exception as problem:
            raise KnowledgeUnavailable(
                f"Couldn't {doing}: {self.where} is not available ({_reason(problem)}). "
                "Nothing was changed; please try again shortly."
            ) from None

    def _collection(self, tenant: str, create: bool) -> Any | None:
        """The tenant's collection; ``None`` when it doesn't exist and ``create`` is false."""
        with self._lock:
            found = self._collections.get(tenant)
            if found is not None:
                return found
            name = collection_name(tenant)
            if create:
                collection = self.client.get_or_create_collection(
                    name, embedding_function=self._function, metadata=self._new_metadata(tenant)
                )
            else:
                collection = self._existing(name)
                if collection is None:
                    return None
            built_with = (collection.metadata or {}).get("embedding_model")
            if built_with and built_with != self.embedder.name:
                raise ModelMismatch(
                    f"The past projects of this workspace were indexed with `{built_with}`, "
                    f"but ATELIER_EMBEDDINGS now selects `{self.embedder.name}`; vectors of "
                    "different models can't be compared. Run `atelier projects reindex "
                    f"--tenant {tenant}` to rebuild the index, or set ATELIER_EMBEDDINGS back "
                    f"to `{setting_for(built_with)}`."
                )
            self._collections[tenant] = collection
            return collection

    def _new_metadata(self, tenant: str) -> dict[str, Any]:
        return {"hnsw:space": "cosine", "embedding_model": self.embedder.name, "tenant": tenant}

    def _use(self, tenant: str, create: bool, action: Callable[[Any], T], none: T) -> T:
        """``action`` on the tenant's collection, or ``none`` when it has none.

        A cached handle whose collection was deleted (a re-index in another process replaced
        it) fails with NotFoundError: the handle is dropped, the collection looked up by name
        again and ``action`` made once more. A name found free while a re-index elsewhere
        swaps its new collection in is looked up again once the swap is done (a count of 0
        read then would have the feature rows tombstoned).
        """
        from chromadb.errors import NotFoundError

        collection = self._collection(tenant, create)
        if collection is None:
            collection = self._after_swap(tenant)
        if collection is None:
            return none
        try:
            return action(collection)
        except NotFoundError:
            collection = self._found_again(tenant, create, stale=collection)
        if collection is None:  # really gone (dropped): as a workspace with no projects
            return none
        try:
            return action(collection)
        except NotFoundError:
            raise KnowledgeUnavailable(
                "This workspace's past projects were being re-indexed while I read them; "
                "please try again."
            ) from None

    def _found_again(self, tenant: str, create: bool, stale: Any) -> Any | None:
        """The tenant's collection looked up anew, after ``stale`` turned out deleted."""
        with self._lock:
            if self._collections.get(tenant) is stale:
                del self._collections[tenant]
        collection = self._collection(tenant, create=False)
        if collection is None:
            collection = self._after_swap(tenant)
        if collection is None and create:
            collection = self._collection(tenant, create=True)
        return collection

    def _after_swap(self, tenant: str) -> Any | None:
        """The collection of a tenant whose name was just found free, once a re-index under
        way elsewhere has swapped its new collection in (the name is free between its two
        renames, the new collection still under its building name).

        Waits at most ``SWAP_WAIT_SECONDS``; a swap still not done then was left half-done
        (its process ended) and is completed here, as the next re-index would.
        """
        deadline = time.monotonic() + SWAP_WAIT_SECONDS
        while self._swapping(tenant):
            if time.monotonic() >= deadline:
                name = collection_name(tenant)
                with suppress(Exception):
                    self._finish_swap(name, _building_name(name), _aside_name(name))
                break
            time.sleep(_SWAP_POLL_SECONDS)
            collection = self._collection(tenant, create=False)
            if collection is not None:
                return collection
        return self._collection(tenant, create=False)  # a swap may have ended since

    def _swapping(self, tenant: str) -> bool:
        """Whether a re-index is under way for a tenant whose collection was not found (its
        new collection exists under the building name: a request made only for a workspace
        whose collection was not found)."""
        return self._existing(_building_name(collection_name(tenant))) is not None

    def _existing(self, name: str) -> Any | None:
        """The collection called ``name``, or None: one request for that collection, where
        listing every collection to look for it grew with the workspaces (a server with
        1,000 of them: 0.6-0.8 s for each workspace's first answer after a restart)."""
        from chromadb.errors import NotFoundError

        try:
            return self.client.get_collection(name, embedding_function=self._function)
        except NotFoundError:
            return None

    # --- writing ---------------------------------------------------------------------------

    def upsert(
        self,
        tenant: str,
        projects: Sequence[PastProject],
        *,
        embeddings: np.ndarray | None = None,
    ) -> int:
        """Add or update projects (by id); returns how many were written.

        ``embeddings`` (rows in the same order) skips embedding, e.g. for vectors cached by a
        caller; they must come from this store's model.
        """
        _check_tenant(tenant)
        projects = list(projects)
        if not projects:
            return 0
        ids = [p.id for p in projects]
        duplicates = sorted(i for i, n in Counter(ids).items() if n > 1)
        if duplicates:
            raise ValueError(f"duplicate project ids in one upsert: {', '.join(duplicates)}")
        if embeddings is not None and len(embeddings) != len(projects):
            raise ValueError("embeddings must have one row per project")
        with self._guard("save the projects"):
            try:
                return self._use(
                    tenant,
                    True,
                    lambda collection: self._write(collection, tenant, projects, embeddings),
                    0,
                )
            finally:
                self._wrote(tenant, ids)

    def _write(  # upsert's batches, once its arguments are checked
        self,
        collection: Any,
        tenant: str,
        projects: list[PastProject],
        embeddings: np.ndarray | None,
    ) -> int:
        written = 0
        for start in range(0, len(projects), BATCH):
            batch = projects[start : start + BATCH]
            documents = [p.embedding_text() for p in batch]
            vectors = (
                embeddings[start : start + BATCH]
                if embeddings is not None
                else self.embedder.embed(documents)
            )
            created = self._created_dates(collection, [p.id for p in batch])
            metadatas = [_metadata(tenant, p, created.get(p.id)) for p in batch]
            collection.upsert(
                ids=[p.id for p in batch],
                embeddings=np.asarray(vectors, dtype=np.float32),
                documents=documents,
                metadatas=metadatas,
            )
            written += len(batch)
        return written

    def _created_dates(self, collection: Any, ids: list[str]) -> dict[str, str]:
        """Creation times of projects already stored: an update keeps the original one."""
        found = collection.get(ids=ids, include=["metadatas"])
        dates: dict[str, str] = {}
        for record_id, metadata in zip(found["ids"], found["metadatas"] or [], strict=False):
            if metadata and "created" in metadata:
                dates[record_id] = str(metadata["created"])
        return dates

    def delete(self, tenant: str, project_id: str) -> bool:
        """Remove one project; False when the tenant has no such project."""
        _check_tenant(tenant)
        def delete(collection: Any) -> bool:
            if not collection.get(ids=[project_id])["ids"]:
                return False
            collection.delete(ids=[project_id])
            return True

        with self._guard("delete the project"):
            removed = self._use(tenant, False, delete, False)
        if removed:
            self._wrote(tenant, [project_id])
        return removed

    def reindex(self, tenant: str) -> int:
        """Rebuild the tenant's index with this store's model; returns how many projects.

        The new collection is built under another name while the old one keeps answering
        (readers in any process never see a half-built one), then swapped in: the old one is
        renamed aside, the new one takes the name, and the old one is deleted. Readers that
        hold the old one's handle elsewhere look the name up again (see :meth:`_use`); what
        they wrote to the old one during the build is copied over before it is deleted. If
        anything fails before the swap, the old collection is untouched.
        """
        _check_tenant(tenant)
        # One re-index of a workspace at a time, but not the store's lock: a build takes
        # minutes on a large workspace, and every other workspace's reads and writes (and this
        # one's, on its old collection, copied over after the swap) go on meanwhile.
        with self._lock:
            reindexing = self._reindexing.setdefault(tenant, threading.Lock())
        with self._guard("re-index the projects"), reindexing:
            name = collection_name(tenant)
            building, aside = _building_name(name), _aside_name(name)
            self._finish_swap(name, building, aside)
            old = self._existing(name)
            if old is None:
                return 0
            projects = _projects_from(_read_all(old, None), tenant)
            vectors = self.embedder.embed([p.embedding_text() for p in projects])
            for leftover in (building, aside):  # from a re-index that stopped half-way
                if self._existing(leftover) is not None:
                    self.client.delete_collection(leftover)
            new = self.client.create_collection(
                building, embedding_function=self._function, metadata=self._new_metadata(tenant)
            )
            try:
                self._write(new, tenant, projects, vectors)
                # The swap under the store's lock (milliseconds): no lookup in this process
                # finds the name free between the two renames and creates an empty one.
                with self._lock:
                    old.modify(name=aside)
                    try:
                        new.modify(name=name)
                    except Exception:
                        old.modify(name=name)
                        raise
                    self._collections[tenant] = new
            except Exception:
                self.client.delete_collection(building)
                raise
            try:
                changed = self._catch_up(old, new, tenant, projects)
            except Exception as problem:  # the old one is kept aside, not deleted
                log.warning("re-index: writes made during it not copied: %s", _reason(problem))
                changed = None
            self._wrote(tenant, None if changed is None else [p.id for p in projects] + changed)
            if changed is not None:
                # the index is rebuilt either way: a leftover is dropped by the next re-index
                with suppress(Exception):
                    self.client.delete_collection(aside)
            return int(new.count())

    def _catch_up(
        self, old: Any, new: Any, tenant: str, read: builtins.list[PastProject]
    ) -> builtins.list[str]:
        """Copy into ``new`` what other processes wrote to ``old`` while ``new`` was built (their
        cached handles still reached it); returns the ids written or deleted.

        Only a write that lands between this read and the old collection's deletion, a few
        milliseconds later, is not copied.
        """
        before = {p.id: p for p in read}
        after = {p.id: p for p in _projects_from(_read_all(old, None), tenant)}
        written = [p for p in after.values() if before.get(p.id) != p]
        gone = [project_id for project_id in before if project_id not in after]
        if written:
            self._write(new, tenant, written, None)
        if gone:
            new.delete(ids=gone)
        return [p.id for p in written] + gone

    def _finish_swap(self, name: str, building: str, aside: str) -> None:
        """Complete a re-index that stopped between its two renames (the name free, the new
        collection complete under its building name)."""
        if self._existing(name) is not None:
            return
        new = self._existing(building)
        if new is not None:
            new.modify(name=name)
            if self._existing(aside) is not None:
                self.client.delete_collection(aside)

    # --- reading ---------------------------------------------------------------------------

    def get(self, tenant: str, project_id: str) -> PastProject | None:
        _check_tenant(tenant)
        with self._guard("read the project"):
            found: builtins.list[PastProject] = self._use(
                tenant,
                False,
                lambda c: _projects_from(c.get(ids=[project_id], include=["metadatas"]), tenant),
                [],
            )
        return found[0] if found else None

    def get_many(self, tenant: str, project_ids: Sequence[str]) -> dict[str, PastProject]:
        """The tenant's projects among ``project_ids``, by id (unknown ids are left out)."""
        _check_tenant(tenant)
        ids = list(dict.fromkeys(project_ids))

        def read(collection: Any) -> dict[str, PastProject]:
            found: dict[str, PastProject] = {}
            for start in range(0, len(ids), _READ_PAGE):  # SQLite caps variables per query
                page = collection.get(ids=ids[start : start + _READ_PAGE], include=["metadatas"])
                found.update((p.id, p) for p in _projects_from(page, tenant))
            return found

        with self._guard("read the projects"):
            return self._use(tenant, False, read, {})

    def list(self, tenant: str, status: str | None = None) -> list[PastProject]:
        """The tenant's projects, most recently finished first."""
        _check_tenant(tenant)
        with self._guard("list the projects"):
            projects: builtins.list[PastProject] = self._use(
                tenant, False, lambda c: _projects_from(_read_all(c, status), tenant), []
            )
        return sorted(
            projects, key=lambda p: (p.finished or p.started or dt.date.min, p.id), reverse=True
        )

    def count(self, tenant: str) -> int:
        _check_tenant(tenant)
        with self._guard("count the projects"):
            return self._use(tenant, False, lambda collection: int(collection.count()), 0)

    def nearest(self, tenant: str, text: str, n: int = 32) -> builtins.list[tuple[str, float]]:
        """The ids of the ``n`` projects closest in meaning to ``text``, any status, best first.

        Ids and similarities only, for a caller that already holds the tenant's projects (the
        scope history): reading and validating each record's metadata costs several times more
        than the vector search, so a wide net is cheap only without them. An id is just a key
        into the caller's own copy of this tenant's projects, so isolation is unchanged.
        """
        return self.nearest_many(tenant, [text], n)[0]

    def nearest_many(
        self, tenant: str, texts: Sequence[str], n: int = 32
    ) -> builtins.list[builtins.list[tuple[str, float]]]:
        """:meth:`nearest` for several texts: embedded in one batch and searched in one query
        (a leave-one-out tuning's searches; the vectors of several texts match one-at-a-time
        embedding to float precision, not bit for bit). An empty text finds nothing."""
        _check_tenant(tenant)
        wanted = [str(text).strip() for text in texts]
        found_for: builtins.list[builtins.list[tuple[str, float]]] = [[] for _ in wanted]
        live = [i for i, text in enumerate(wanted) if text]
        if not live:
            return found_for
        n = max(1, min(int(n), MAX_K * _OVERFETCH))
        queries: Any = None

        def search(collection: Any) -> dict[str, Any]:
            nonlocal queries
            if queries is None:  # embedded once, even when the read is made again
                queries = self.embedder.embed([wanted[i] for i in live])
            return dict(
                collection.query(query_embeddings=queries, n_results=n, include=["distances"])
            )

        with self._guard("search the projects"):
            none: dict[str, Any] = {"ids": [[] for _ in live], "distances": [[] for _ in live]}
            found = self._use(tenant, False, search, none)
        for row, i in enumerate(live):
            ids, distances = found["ids"][row], found["distances"][row]
            found_for[i] = [
                (str(record_id), float(min(1.0, max(0.0, 1.0 - float(distance)))))
                for record_id, distance in zip(ids, distances, strict=True)
            ]
        return found_for

    def search(
        self,
        tenant: str,
        text: str,
        k: int = 8,
        *,
        status: str | None = None,
        type: str | None = None,
        tags: Sequence[str] | None = None,
    ) -> builtins.list[Match]:
        """The ``k`` projects closest in meaning to ``text``, best first.

        Filters narrow before ranking: ``status`` and ``type`` must equal, and a project must
        carry every tag in ``tags``.
        """
        _check_tenant(tenant)
        if not text or not text.strip():
            return []
        k = max(1, min(int(k), MAX_K))
        where = _where(status, type, tags)
        query: Any = None

        def search(collection: Any) -> builtins.list[tuple[dict[str, Any], float]]:
            nonlocal query
            if query is None:  # embedded once, even when the read is made again
                query = self.embedder.embed([text.strip()])
            hits: builtins.list[tuple[dict[str, Any], float]] = []
            if where is not None:
                # Chroma pre-filters by scanning metadata, which costs more than the vector
                # search itself; when the filter keeps most projects (status=closed, the usual
                # case), the k best of a few k unfiltered neighbours are the same answer.
                found = collection.query(
                    query_embeddings=query,
                    n_results=min(k * _OVERFETCH, MAX_K * _OVERFETCH),
                    include=["metadatas", "distances"],
                )
                wanted = _matcher(status, type, tags)
                hits = [hit for hit in _hits(found) if wanted(hit[0])][:k]
            if len(hits) < k:
                found = collection.query(
                    query_embeddings=query,
                    n_results=k,
                    where=where,
                    include=["metadatas", "distances"],
                )
                hits = _hits(found)
            return hits

        with self._guard("search the projects"):
            hits: builtins.list[tuple[dict[str, Any], float]] = self._use(
                tenant, False, search, []
            )
        matches = []
        for metadata, distance in hits:
            project = _project_from(metadata, tenant)
            if project is not None:
                similarity = float(min(1.0, max(0.0, 1.0 - float(distance))))
                matches.append(Match(project=project, similarity=similarity))
        return matches


# --- server calls -------------------------------------------------------------------------


def _probe(base_url: str) -> None:
    """Raise when the server does not answer its heartbeat within the bound."""
    import urllib.request

    with urllib.request.urlopen(
        f"{base_url}/api/v2/heartbeat", timeout=SERVER_TIMEOUT_SECONDS
    ) as answer:
        answer.read()


def _bound_requests(client: Any) -> None:
    """Give the client's HTTP session a timeout (a slow server becomes KnowledgeUnavailable)."""
    import httpx

    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(SERVER_TIMEOUT_SECONDS)


# --- records ------------------------------------------------------------------------------


def _metadata(tenant: str, project: PastProject, created: str | None) -> dict[str, Any]:
    if created:
        project = project.model_copy(update={"created": dt.datetime.fromisoformat(created)})
    metadata: dict[str, Any] = {
        "tenant": tenant,
        "status": project.status,
        "type": project.type,
        "created": project.created.isoformat(),
        "project": project.model_dump_json(),
    }
    for tag in project.tags:
        metadata[_tag_key(tag)] = True
    return metadata


def _read_all(collection: Any, status: str | None) -> dict[str, Any]:
    """Every record's metadata (with ``status`` only, when given), a page at a time.

    One ``get`` over a whole collection makes Chroma bind every matching id as an SQL variable,
    which SQLite refuses above ~32,700. Pages are read without a ``where`` (the status is
    checked here), so each page is a plain offset read with no metadata filter to re-run.
    """
    metadatas: list[Any] = []
    offset = 0
    while True:
        page = collection.get(include=["metadatas"], limit=_READ_PAGE, offset=offset)
        found = page.get("metadatas") or []
        metadatas.extend(
            m for m in found if m is not None and (not status or m.get("status") == status)
        )
        if len(found) < _READ_PAGE:
            return {"metadatas": metadatas}
        offset += _READ_PAGE


def _hits(found: dict[str, Any]) -> list[tuple[dict[str, Any], float]]:
    return list(zip(found["metadatas"][0], found["distances"][0], strict=True))


def _matcher(
    status: str | None, type: str | None, tags: Sequence[str] | None
) -> Callable[[dict[str, Any]], bool]:
    """The same test as :func:`_where`, applied to a record in Python."""
    wanted_type = normalise_tag(type) if type else None
    tag_keys = [_tag_key(tag) for tag in tags or () if normalise_tag(tag)]

    def matches(metadata: dict[str, Any]) -> bool:
        return (
            (not status or metadata.get("status") == status)
            and (not wanted_type or metadata.get("type") == wanted_type)
            and all(metadata.get(key) is True for key in tag_keys)
        )

    return matches


def _where(
    status: str | None, type: str | None, tags: Sequence[str] | None
) -> dict[str, Any] | None:
    # The collection is already the tenant's own; records are checked again when read, so the
    # tenant needs no filter here (Chroma's pre-filter would cost every query a metadata scan).
    conditions: list[dict[str, Any]] = []
    if status:
        conditions.append({"status": status})
    if type:
        conditions.append({"type": normalise_tag(type)})
    for tag in tags or ():
        if normalise_tag(tag):
            conditions.append({_tag_key(tag): True})
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}


def _project_from(metadata: dict[str, Any] | None, tenant: str) -> PastProject | None:
    # A record without this tenant's stamp is never returned, whatever put it there.
    if not metadata or metadata.get("tenant") != tenant or "project" not in metadata:
        return None
    return PastProject.model_validate_json(str(metadata["project"]))


def _projects_from(found: dict[str, Any], tenant: str) -> list[PastProject]:
    projects = (_project_from(m, tenant) for m in found.get("metadatas") or [])
    return [p for p in projects if p is not None]


def _reason(problem: BaseException) -> str:
    text = str(problem).strip().splitlines()[0] if str(problem).strip() else ""
    return f"{type(problem).__name__}: {text[:160]}" if text else type(problem).__name__


__all__ = ["KnowledgeUnavailable", "Match", "ModelMismatch", "ProjectStore", "collection_name"]
