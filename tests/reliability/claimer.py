"""A stand-alone replica for the race tests: claims event ids on a shared database.

``python -m tests.reliability.claimer URL OUT KEY…`` claims every key (in the given order) with
its own engine and writes the keys it won to OUT as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from state import Database


async def claim_all(url: str, keys: list[str]) -> list[str]:
    database = Database(url)
    try:
        return [key for key in keys if await database.claim_event(key)]
    finally:
        await database.close()


def main(argv: list[str]) -> int:
    url, out, *keys = argv
    won = asyncio.run(claim_all(url, keys))
    Path(out).write_text(json.dumps(won), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
