"""Resident memory of the bot: its own and its child processes' (a large history's tuning runs
in a child, ``bot.scoping.tuning_process``), so no figure leaves the child out."""

from __future__ import annotations

from pathlib import Path


def _rss_kb(pid: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass  # the child has just exited
    return 0


def _children(pid: str) -> list[str]:
    found: list[str] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += (task / "children").read_text(encoding="ascii").split()
        except OSError:
            continue
    return found


def tree_rss_mb() -> float:
    """VmRSS of this process plus every live descendant's, in MB (Linux)."""
    total, pending = 0, ["self"]
    while pending:
        pid = pending.pop()
        total += _rss_kb(pid)
        pending += _children(pid)
    return total / 1024


__all__ = ["tree_rss_mb"]
