"""What ran: the BLAS kernel numpy picked and the embedder's threads, as a benchmark row.

Absolute times depend on these (``OPENBLAS_CORETYPE`` can pin numpy to an older kernel at about
half its matrix speed), so every benchmark that reports timings says which ones it ran with.
"""

from __future__ import annotations

from typing import Any


def kernels() -> str:
    """``openblas 0.3.30 SkylakeX x2; onnxruntime 1.32.0 x2 intra-op`` or what is found."""
    import numpy as np  # noqa: F401  (loads the BLAS library threadpoolctl inspects)
    import onnxruntime
    from threadpoolctl import threadpool_info

    from knowledge.minilm import default_threads

    blas = [
        f"{pool.get('internal_api')} {pool.get('version')} {pool.get('architecture') or ''}".strip()
        + f" x{pool.get('num_threads')}"
        for pool in threadpool_info()
        if pool.get("user_api") == "blas"
    ]
    runtime = f"onnxruntime {onnxruntime.__version__} x{default_threads()} intra-op"
    return "; ".join([*(blas or ["no BLAS found"]), runtime])


def kernel_row() -> dict[str, Any]:
    """A row without a value or target: the table shows it, the results file keeps it."""
    return {"name": f"kernels: {kernels()}", "value": None, "unit": "", "baseline": None}
