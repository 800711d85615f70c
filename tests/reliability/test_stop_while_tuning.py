"""A bot that stops while a background tuning searches exits cleanly.

Without the stop, a process that exits while the tuning thread is inside the embedding
runtime aborts ("terminate called without an active exception", exit status 134): seen on
every try before ``TenantBands.stop`` existed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import asyncio, os, sys, threading
from pathlib import Path
for name in list(os.environ):
    if name.startswith(("ATELIER_", "SLACK_", "DISCORD_")):
        del os.environ[name]
from adapters.runtime import build_services
from bot.config import load_settings
from bot.core import Bot
from bot.demo import load_demo
from bot.messages import Request
from bot.scoping import calibration
import knowledge.store as ks

calibration.BACKGROUND_FROM = 10  # the demo portfolio is tuned in the background
searching = threading.Event()

def watched(search):
    def searched(self, *args, **kwargs):
        if threading.current_thread().name == "atelier-band-tuning":
            searching.set()
        return search(self, *args, **kwargs)
    return searched

ks.ProjectStore.nearest = watched(ks.ProjectStore.nearest)
ks.ProjectStore.nearest_many = watched(ks.ProjectStore.nearest_many)  # a batch of searches

async def main() -> None:
    settings = load_settings(data_dir=Path(sys.argv[1]), llm=None, _env_file=None)
    bot = Bot(build_services(settings))
    await bot.start(warm_up=True)
    await load_demo(bot.services, settings.default_tenant)
    request = Request(tenant=settings.default_tenant, user_id="u", user_name="u",
                      command="scope", text="A Shopify store with a custom theme")
    reply = await bot.handle(request)
    assert reply is not None and not reply.refused, reply
    assert await asyncio.to_thread(searching.wait, 60), "the tuning never searched"
    await bot.close()  # while the tuning searches
    print("closed", flush=True)

asyncio.run(main())
"""


def test_a_bot_that_stops_while_tuning_exits_cleanly(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "data")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "terminate called" not in result.stderr
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("closed")
