"""Importing CSV, JSON, JSON Lines and Markdown: valid rows in, invalid rows reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.importers import ImportRefused, import_file
from knowledge.store import ProjectStore

DATA = Path(__file__).parent / "data"
CSV_TEXT = (DATA / "history.csv").read_text(encoding="utf-8")


@pytest.fixture
def store(tmp_path: Path) -> ProjectStore:
    return ProjectStore.open(tmp_path / "data")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_imports_valid_rows_and_reports_the_rest(tmp_path: Path, store: ProjectStore) -> None:
    report = import_file(store, "t1", write(tmp_path, "history.csv", CSV_TEXT))
    assert report.rows == 7 and report.imported == 2
    problems = {(p.line, p.field) for p in report.problems}
    assert problems == {
        (3, "estimated_hours"),
        (4, "summary"),
        (5, "currency"),
        (5, "finished"),
        (6, "phases"),
        (7, "id"),
    }
    dates = next(p for p in report.problems if p.field == "finished")
    assert "before started" in dates.message and str(dates).startswith("history.csv, line 5")
    assert any("colour" in w for w in report.warnings)
    coffee = store.get("t1", "c1")
    assert coffee is not None
    assert coffee.phases == {"design": 30.0, "build": 100.0}
    assert coffee.tags == ["shopify", "custom-theme"]
    assert coffee.lessons == ["Photos came late", "App styling took 10h"]
    assert coffee.client == "Northwind Roasters" and coffee.actual_hours == 130
    assert "2 of 7" in report.summary() and "5 not imported" in report.summary()


def test_reimporting_updates_instead_of_duplicating(tmp_path: Path, store: ProjectStore) -> None:
    path = write(tmp_path, "history.csv", CSV_TEXT)
    first = import_file(store, "t1", path)
    path.write_text(CSV_TEXT.replace(",20,24,", ",20,28,"), encoding="utf-8")
    second = import_file(store, "t1", path)
    assert first.ids == second.ids  # the id-less row got the same stable id both times
    assert store.count("t1") == 2
    landing = store.get("t1", first.ids[1])
    assert landing is not None and landing.actual_hours == 28


def test_json_array_with_line_numbers(tmp_path: Path, store: ProjectStore) -> None:
    items = [
        {"id": "j1", "title": "Dashboard", "summary": "Sales KPIs", "phases": {"build": 40}},
        {"id": "j2", "title": "Broken", "summary": "x", "actual_hours": "lots"},
        ["not", "an", "object"],
        {"title": "No id", "summary": "gets a stable id", "started": "2024-02-01"},
    ]
    path = write(tmp_path, "projects.json", json.dumps(items, indent=2))
    report = import_file(store, "t1", path)
    assert report.imported == 2
    assert [(p.field, p.line) for p in report.problems] == [("actual_hours", 10), ("", 16)]
    assert store.get("t1", "j1").phases == {"build": 40.0}  # type: ignore[union-attr]


def test_json_syntax_error_is_located(tmp_path: Path, store: ProjectStore) -> None:
    text = '[\n {"id": "a", "title": "A", "summary": "ok"},\n {"id": "b", "title": oops}\n]'
    report = import_file(store, "t1", write(tmp_path, "broken.json", text))
    assert report.imported == 1
    assert report.problems[0].line == 3 and "not valid JSON" in report.problems[0].message


def test_json_lines(tmp_path: Path, store: ProjectStore) -> None:
    lines = [
        json.dumps({"id": "l1", "title": "API sync", "summary": "ERP orders"}),
        "",
        "{not json",
        json.dumps({"id": "l2", "title": "Migration", "summary": "", "currency": "usd"}),
        json.dumps({"id": "l3", "title": "Email move", "summary": "lists", "currency": "eur"}),
    ]
    report = import_file(store, "t1", write(tmp_path, "p.jsonl", "\n".join(lines)))
    assert report.imported == 2
    assert [(p.line, p.field) for p in report.problems] == [(3, ""), (4, "summary")]
    assert store.get("t1", "l3").currency == "EUR"  # type: ignore[union-attr]


MARKDOWN = """\
---
id: retro-1
title: Outdoor gear Shopify Plus migration
client: Ridgeline Outfitters
type: e-commerce
tags: [shopify, migration]
estimated_hours: 260
actual_hours: 370
phases: {audit: 40, build: 200, data: 130}
started: 2024-01-15
---
# Outdoor gear migration

Moved a 2,400-SKU shop from Magento to Shopify Plus with redirects.

## Lessons

- Redirect mapping took twice the planned time
- Variants over 100 per product hit limits;
  split products early
"""


def test_markdown_front_matter_body_and_lessons(tmp_path: Path, store: ProjectStore) -> None:
    report = import_file(store, "t1", write(tmp_path, "retro.md", MARKDOWN))
    assert report.ok and report.imported == 1
    stored = store.get("t1", "retro-1")
    assert stored is not None
    assert stored.summary.startswith("Moved a 2,400-SKU shop")
    assert stored.lessons == [
        "Redirect mapping took twice the planned time",
        "Variants over 100 per product hit limits; split products early",
    ]
    assert stored.phases["build"] == 200 and str(stored.started) == "2024-01-15"


def test_a_folder_of_markdown_files(tmp_path: Path, store: ProjectStore) -> None:
    folder = tmp_path / "retros"
    folder.mkdir()
    write(folder, "a.md", MARKDOWN)
    write(folder, "b.md", "no front matter here\n")
    write(folder, "c.md", "---\ntitle: [unclosed\n---\nbody\n")
    write(folder, "d.md", MARKDOWN.replace("retro-1", "retro-2").replace("260", "-1"))
    write(folder, "notes.txt", "ignored")
    report = import_file(store, "t1", folder)
    assert report.imported == 1 and report.rows == 4
    assert [(p.source, p.field) for p in report.problems] == [
        ("b.md", ""),
        ("c.md", ""),
        ("d.md", "estimated_hours"),
    ]
    assert "YAML" in report.problems[1].message


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("projects.xlsx", b"PK\x03\x04", "not a file I can import"),
        ("empty.csv", b"", "is empty"),
        ("blank.jsonl", b"\n  \n", "is empty"),
        ("latin1.csv", "title,summary\nCafé,Crème brûlée\n".encode("latin-1"), "not UTF-8"),
        ("binary.json", b"[\x00\x01]", "binary"),
    ],
)
def test_unreadable_files_are_refused_whole(
    tmp_path: Path, store: ProjectStore, name: str, content: bytes, message: str
) -> None:
    store.upsert("t1", [])
    import_file(store, "t1", write(tmp_path, "ok.csv", "title,summary\nKept,still here\n"))
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportRefused, match=message):
        import_file(store, "t1", path)
    assert store.count("t1") == 1  # nothing lost, nothing half-written


def test_a_file_over_the_limit_is_refused_before_reading(
    tmp_path: Path, store: ProjectStore
) -> None:
    big = tmp_path / "huge.csv"
    with big.open("wb") as handle:  # sparse: 200 MB on paper, nothing on disk
        handle.truncate(200 * 1024 * 1024)
    with pytest.raises(ImportRefused, match=r"200\.0 MB; the import limit is 50 MB"):
        import_file(store, "t1", big)
    small_limit = write(tmp_path, "p.csv", "title,summary\n" + "A,b\n" * 100)
    with pytest.raises(ImportRefused, match="limit"):
        import_file(store, "t1", small_limit, max_bytes=100)
    assert store.count("t1") == 0


def test_a_missing_header_column_is_reported(tmp_path: Path, store: ProjectStore) -> None:
    report = import_file(store, "t1", write(tmp_path, "p.csv", "name,hours\nA,3\n"))
    assert report.imported == 0
    assert "'title' and 'summary'" in report.problems[0].message


def test_large_files_stream_in_batches_with_progress(tmp_path: Path, store: ProjectStore) -> None:
    rows = "".join(f"bulk-{i},Project {i},Summary {i}\n" for i in range(30))
    path = write(tmp_path, "bulk.csv", "id,title,summary\n" + rows)
    seen: list[tuple[int, int | None]] = []
    report = import_file(
        store, "t1", path, batch_size=8, progress=lambda done, total: seen.append((done, total))
    )
    assert report.imported == 30 and store.count("t1") == 30
    assert [done for done, _ in seen] == [8, 16, 24, 30, 30]
    assert all(total == 30 for _, total in seen)


def test_semicolon_separated_csv_and_text_lists(tmp_path: Path, store: ProjectStore) -> None:
    text = (
        "\ufefftitle;summary;tags;phases;actual_hours\n"
        'Wine shop;WooCommerce with age check;woocommerce, wine;"design:5;build:20";25\n'
    )
    report = import_file(store, "t1", write(tmp_path, "excel.csv", text))
    assert report.ok and report.imported == 1
    stored = store.get("t1", report.ids[0])
    assert stored is not None
    assert stored.tags == ["woocommerce", "wine"] and stored.phases == {"design": 5, "build": 20}


def test_markdown_lists_written_as_text(tmp_path: Path, store: ProjectStore) -> None:
    text = "---\ntitle: Bakery logo\ntags: branding, packaging\n---\nLogo and labels.\n"
    report = import_file(store, "t1", write(tmp_path, "bakery.md", text))
    assert report.ok
    assert store.get("t1", report.ids[0]).tags == ["branding", "packaging"]  # type: ignore[union-attr]
