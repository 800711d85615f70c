"""The allocator settings: applied once, never over the operator's own, harmless elsewhere."""

from __future__ import annotations

import pytest

from knowledge import heap


@pytest.fixture(autouse=True)
def _fresh() -> None:
    heap.limit_arenas.cache_clear()


def test_an_operators_malloc_arena_max_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    assert heap.limit_arenas() is False


def test_on_glibc_the_arenas_are_limited_and_free_pages_can_be_released(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    if heap._glibc() is None:
        pytest.skip("not glibc: both are no-ops")
    assert heap.limit_arenas() is True
    assert isinstance(heap.release_free_memory(), bool)


def test_without_glibc_both_do_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.setattr(heap, "_glibc", lambda: None)
    assert heap.limit_arenas() is False
    assert heap.release_free_memory() is False


def test_collection_is_paused_inside_and_restored_as_it_was_after() -> None:
    import gc

    from knowledge.heap import collection_paused

    assert gc.isenabled()
    try:
        with collection_paused():
            assert not gc.isenabled()
            raise KeyError("a failed read")
    except KeyError:
        pass
    assert gc.isenabled()  # restored after a failure too
    gc.disable()
    try:
        with collection_paused():
            pass
        assert not gc.isenabled()  # it was off before: left off
    finally:
        gc.enable()
