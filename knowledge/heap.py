"""The C allocator's share of the bot's memory (glibc only; elsewhere these do nothing).

glibc gives each thread that allocates its own heap arena (up to eight per core), and an arena
keeps what was freed in it for reuse. The bot allocates from several threads (the store work,
the history refresh, langchain's pool), so every thread's largest moment stays resident.
Two arenas keep that down at no measurable cost in latency (the figures are in
bench/README.md, `memory.py`).

:func:`release_free_memory` hands freed pages back to the system (``malloc_trim``); after a
large one-off read (a full history) it returns pages the allocator would otherwise keep, for
a few milliseconds. :func:`collection_paused` keeps Python's
cyclic collector out of such reads.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

ARENAS = 2
_M_ARENA_MAX = -8  # mallopt parameter, from glibc's malloc.h


@cache
def _glibc() -> Any | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.gnu_get_libc_version  # noqa: B018  (present only in glibc)
    except (OSError, AttributeError):
        return None
    return libc


@cache
def limit_arenas(arenas: int = ARENAS) -> bool:
    """At most ``arenas`` malloc arenas from now on; True if applied. Once per process, and
    never over an operator's own ``MALLOC_ARENA_MAX``."""
    libc = _glibc()
    if libc is None or "MALLOC_ARENA_MAX" in os.environ:
        return False
    return bool(libc.mallopt(_M_ARENA_MAX, int(arenas)))


def release_free_memory() -> bool:
    """Return the allocator's free pages to the system; True if any were released."""
    libc = _glibc()
    return bool(libc.malloc_trim(0)) if libc is not None else False


@contextmanager
def collection_paused() -> Iterator[None]:
    """No cyclic garbage collection while a bulk read builds its objects.

    Each collection that tens of thousands of new objects set off walks every object alive:
    building a 50k-project history took 0.25-0.7 s with them and 0.2 s without. For code that
    builds plain records (no reference cycles); collection resumes, as it was, right after.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


__all__ = ["collection_paused", "limit_arenas", "release_free_memory"]
