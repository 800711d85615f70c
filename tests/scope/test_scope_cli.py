"""`atelier scope` through the real CLI: the same facts as JSON, for scripts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def _atelier(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("ATELIER_", "SLACK_", "DISCORD_"))
    }
    env["ATELIER_DATA_DIR"] = str(tmp_path / "data")
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", "scope", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=240,
    )


def test_scope_json_returns_the_facts(tmp_path: Path):
    result = _atelier(
        tmp_path, "Shopify store with a custom theme, I think 80h", "--rate", "150", "--json"
    )
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["has_estimate"] is True
    assert facts["rate"] == 150 and facts["currency"] == "USD"
    estimate = facts["estimate"]
    assert estimate["p10_hours"] <= estimate["p50_hours"] <= estimate["p90_hours"]
    assert facts["price"]["p50"] == estimate["p50_hours"] * 150
    assert facts["analogues"] and all(a["id"].startswith("demo-") for a in facts["analogues"])
    assert facts["guess"]["hours"] == 80
    assert {q["topic"] for q in facts["questions"]} >= {"deadline", "budget"}

    other = _atelier(tmp_path, "Shopify store", "--tenant", "T-nobody", "--json")
    assert other.returncode == 0, other.stderr
    assert json.loads(other.stdout)["has_estimate"] is False


def test_scope_rejects_an_unknown_currency(tmp_path: Path):
    result = _atelier(tmp_path, "landing page", "--currency", "XYZ")
    assert result.returncode == 2
    assert "unknown currency" in result.stderr
