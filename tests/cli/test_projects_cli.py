"""`atelier projects …` in process (CliRunner against a temp data dir): every command goes
through `/projects` in the core, `--json` prints what the reply's facts say."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.cli import app
from bot.config import Settings
from knowledge.store import ProjectStore

HISTORY = Path(__file__).parents[1] / "knowledge" / "data" / "history.csv"


def invoke(settings: Settings, *args: str):
    env = {"ATELIER_DATA_DIR": str(settings.data_dir)}
    return CliRunner().invoke(app, ["projects", *args], env=env)


def stored(settings: Settings, tenant: str = "T1") -> dict[str, object]:
    store = ProjectStore.open(settings.data_dir)
    try:
        return {p.id: p for p in store.list(tenant)}
    finally:
        store.close()


def test_import_then_search_list_and_show_read_the_replies_facts(settings: Settings) -> None:
    imported = invoke(settings, "import", str(HISTORY), "--tenant", "T1", "--json")
    assert imported.exit_code == 1, imported.output  # some rows are invalid, on purpose
    report = json.loads(imported.stdout)
    assert report["path"] == str(HISTORY) and report["tenant"] == "T1"
    assert report["imported"] == 2 and report["rows"] == 7
    assert {p["line"] for p in report["problems"]} == {3, 4, 5, 6, 7}
    projects = stored(settings)
    assert sorted(projects) == sorted(report["ids"]) and "c1" in projects

    query = ("search", "coffee subscriptions", "--tenant", "T1", "--k", "1", "--json")
    found = invoke(settings, *query)
    assert found.exit_code == 0, found.output
    (hit,) = json.loads(found.stdout)
    assert hit["id"] == "c1" and 0 < hit["similarity"] <= 1
    assert hit["actual_hours"] == 130 and hit["phases"] == {"design": 30, "build": 100}

    listed = invoke(settings, "list", "--tenant", "T1", "--json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert sorted(p["id"] for p in rows) == sorted(projects)
    assert {p["client"] for p in rows} == {"Northwind Roasters", "Lumen Audio"}

    shown = invoke(settings, "show", "c1", "--tenant", "T1", "--json")
    assert shown.exit_code == 0, shown.output
    project = json.loads(shown.stdout)
    assert project["title"] == "Coffee shop on Shopify" and project["tags"] == [
        "shopify",
        "custom-theme",
    ]
    printed = invoke(settings, "show", "c1", "--tenant", "T1")
    assert printed.exit_code == 0 and "Coffee shop on Shopify" in printed.stdout

    elsewhere = invoke(settings, "show", "c1", "--tenant", "T2", "--json")
    assert elsewhere.exit_code == 1
    assert "a past project with id `c1`" in json.loads(elsewhere.stdout)["error"]


def test_a_file_over_the_cli_limit_is_refused_and_nothing_is_stored(settings: Settings) -> None:
    big = settings.data_dir.parent / "big.csv"
    big.write_text(HISTORY.read_text(encoding="utf-8") * 3, encoding="utf-8")
    assert big.stat().st_size > 1100  # over the 0.001 MB limit below
    refused = invoke(settings, "import", str(big), "--tenant", "T1", "--max-mb", "0.001")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: Nothing was imported: big.csv is ")
    assert "the import limit is 0.001 MB" in refused.stderr and "--max-mb" in refused.stderr
    assert len(refused.stderr.splitlines()) == 1
    assert stored(settings) == {}

    allowed = invoke(settings, "import", str(big), "--tenant", "T1", "--json")
    assert json.loads(allowed.stdout)["imported"] == 2  # the same file, under the default limit


def test_a_folder_of_markdown_files_is_one_import(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    for name, title in (("a.md", "Bakery site"), ("b.markdown", "Dentist booking")):
        text = f"---\nid: {name[0]}\ntitle: {title}\nactual_hours: 40\n---\nA small site.\n"
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "README.txt").write_text("not a project", encoding="utf-8")
    imported = invoke(settings, "import", str(folder), "--tenant", "T1", "--json")
    assert imported.exit_code == 0, imported.output
    report = json.loads(imported.stdout)
    assert report["imported"] == 2 and report["format"] == "markdown"
    assert report["path"] == str(folder)
    assert sorted(stored(settings)) == ["a", "b"]

    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = invoke(settings, "import", str(empty), "--tenant", "T1")
    assert nothing.exit_code == 1
    assert "the folder empty has no .md files" in nothing.stderr


@pytest.mark.parametrize("k", ["0", "101", "-3", "many"])
def test_a_bad_k_is_refused_plainly(settings: Settings, k: str) -> None:
    from adapters.cli.projects import SEARCH_K_MAX
    from bot.skills.projects import MAX_SEARCH_K

    assert SEARCH_K_MAX == MAX_SEARCH_K  # the CLI's bound is the core's
    result = invoke(settings, "search", "shop", "--k", k)
    # The option's own check, in the command line's words: no chat syntax (`k=`, `/projects`).
    assert result.exit_code == 2
    assert "--k" in result.output
    assert f"k={k}" not in result.output and "/projects" not in result.output


def test_reindex_goes_through_the_core(settings: Settings) -> None:
    invoke(settings, "import", str(HISTORY), "--tenant", "T1")
    result = invoke(settings, "reindex", "--tenant", "T1", "--json")
    assert result.exit_code == 0, result.output
    facts = json.loads(result.stdout)
    assert facts["tenant"] == "T1" and facts["reindexed"] == 2
    assert facts["model"].startswith("local")
    assert len(stored(settings)) == 2
    found = invoke(settings, "search", "coffee subscriptions", "--tenant", "T1", "--json")
    assert json.loads(found.stdout)[0]["id"] == "c1"  # searchable with the new index


def test_search_filters_reach_the_core_as_chat_filters(settings: Settings) -> None:
    invoke(settings, "import", str(HISTORY), "--tenant", "T1")
    by_type = ("search", "coffee", "--tenant", "T1", "--type", "Landing-Page", "--json")
    typed = invoke(settings, *by_type)
    assert typed.exit_code == 0, typed.output
    assert [hit["type"] for hit in json.loads(typed.stdout)] == ["landing-page"]
    tagged = invoke(settings, "search", "a site", "--tenant", "T1", "--tag", "shopify", "--json")
    assert [hit["id"] for hit in json.loads(tagged.stdout)] == ["c1"]
    spaced = invoke(settings, "search", "a site", "--tag", "custom theme")
    assert spaced.exit_code == 1 and "take one word each" in spaced.stderr


def test_list_prints_a_page_and_json_every_project(settings: Settings) -> None:
    history = settings.data_dir.parent / "many.csv"
    lines = ["id,title,summary,actual_hours,finished"]
    lines += [f"m{n:02d},Site {n},A small site,{20 + n},2025-01-{n + 1:02d}" for n in range(27)]
    lines += [f"n{n:02d},Shop {n},A small shop,{30 + n},2025-02-{n + 1:02d}" for n in range(18)]
    history.write_text("\n".join(lines) + "\n", encoding="utf-8")
    imported = invoke(settings, "import", str(history), "--tenant", "T1", "--json")
    assert imported.exit_code == 0, imported.output

    every = invoke(settings, "list", "--tenant", "T1", "--json")  # scripts: every project
    assert every.exit_code == 0, every.output
    rows = json.loads(every.stdout)
    assert len(rows) == 45 and rows[0]["id"] == "n17" and rows[-1]["id"] == "m00"
    second = invoke(settings, "list", "--tenant", "T1", "--page", "2", "--json")
    assert [p["id"] for p in json.loads(second.stdout)] == [p["id"] for p in rows[40:]]
    printed = invoke(settings, "list", "--tenant", "T1")
    assert printed.exit_code == 0 and "Showing 1–40 of 45" in printed.stdout
    assert "atelier projects list --page 2" in printed.stdout  # the command line's own form
    assert "/projects list page" not in printed.stdout
    assert "n17" in printed.stdout and "m04" not in printed.stdout
    past = invoke(settings, "list", "--tenant", "T1", "--page", "3")
    assert past.exit_code == 1 and "atelier projects list --page 2` is the last" in past.output
    active = invoke(settings, "list", "--tenant", "T1", "--status", "active", "--page", "2")
    assert active.exit_code == 1 and "--page is for closed and removed" in active.stderr
