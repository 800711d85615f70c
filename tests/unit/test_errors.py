"""Plain answers: domain code raises Atelier's own errors, never the skill framework's."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.errors import AtelierError, Conflict, InvalidInput, NotFound, Unavailable
from bot.registry import SkillError

ROOT = Path(__file__).resolve().parents[2]
# The skill framework and the skills themselves may refuse with SkillError.
FRAMEWORK = {Path("bot/registry.py"), Path("bot/core.py")}


def _names_skill_error(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(node, ast.Name) and node.id == "SkillError" for node in ast.walk(tree))


def test_every_plain_answer_shares_one_base() -> None:
    for kind in (SkillError, InvalidInput, NotFound, Conflict, Unavailable):
        assert issubclass(kind, AtelierError)


def test_only_the_skill_framework_and_skills_use_skill_error() -> None:
    offenders = []
    for package in ("bot", "estimating", "knowledge", "state"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative in FRAMEWORK or relative.parts[:2] == ("bot", "skills"):
                continue
            if _names_skill_error(path):
                offenders.append(str(relative))
    assert offenders == [], f"domain code raising the skill framework's error: {offenders}"
