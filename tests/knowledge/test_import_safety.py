"""Imports are validated whole before anything is written, and hours must be plausible."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.importers import ImportRefused, import_file
from knowledge.models import TRACKED
from knowledge.store import ProjectStore
from tests.knowledge.helpers import project

HEADER = "id,title,summary,estimated_hours,actual_hours\n"


@pytest.fixture
def store(tmp_path: Path) -> ProjectStore:
    return ProjectStore.open(tmp_path / "data")


def rows(count: int) -> str:
    return "".join(f"r{i},Shop {i},A web shop,40,{40 + i % 7}\n" for i in range(count))


def refused(store: ProjectStore, path: Path) -> str:
    with pytest.raises(ImportRefused) as raised:
        import_file(store, "t1", path)
    assert store.count("t1") == 0  # nothing was written
    message = str(raised.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_a_csv_cell_over_the_csv_limit_refuses_the_whole_file(
    tmp_path: Path, store: ProjectStore
) -> None:
    path = tmp_path / "history.csv"
    path.write_text(HEADER + rows(300) + f"big,Big,{'x' * 140_000},40,40\n", encoding="utf-8")
    message = refused(store, path)
    assert "history.csv, line 302" in message
    assert "longer than 131,072 characters" in message


def test_the_cell_limit_holds_after_something_else_raised_the_csv_modules_limit(
    tmp_path: Path, store: ProjectStore
) -> None:
    import csv

    previous = csv.field_size_limit(16 * 1024 * 1024)  # what the CSV backtest does
    try:
        path = tmp_path / "history.csv"
        path.write_text(HEADER + rows(3) + f"big,Big,{'x' * 140_000},40,40\n", encoding="utf-8")
        assert "longer than 131,072 characters" in refused(store, path)
    finally:
        csv.field_size_limit(previous)


def test_a_deeply_nested_json_array_is_refused_with_its_place(
    tmp_path: Path, store: ProjectStore
) -> None:
    good = json.dumps({"id": "ok", "title": "Fine", "summary": "A fine project"})
    path = tmp_path / "deep.json"
    path.write_text(f"[{good},\n" + "[" * 100_000 + "]" * 100_000 + "]", encoding="utf-8")
    message = refused(store, path)
    assert "deep.json, line 2" in message and "nested too deeply" in message


def test_a_deeply_nested_json_lines_record_is_refused(tmp_path: Path, store: ProjectStore) -> None:
    good = json.dumps({"id": "ok", "title": "Fine", "summary": "A fine project"})
    path = tmp_path / "deep.jsonl"
    path.write_text(good + "\n" + '{"id": ' + "[" * 100_000 + "\n", encoding="utf-8")
    assert "deep.jsonl, line 2" in refused(store, path)


def test_deeply_nested_front_matter_is_refused(tmp_path: Path, store: ProjectStore) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.md").write_text("---\ntitle: Fine\n---\nA fine project\n", encoding="utf-8")
    (folder / "b.md").write_text("---\ntags: " + "[" * 100_000 + "\n---\nx\n", encoding="utf-8")
    assert "b.md" in refused(store, folder)


def test_a_number_too_long_to_read_is_refused(tmp_path: Path, store: ProjectStore) -> None:
    path = tmp_path / "long.json"
    path.write_text(
        '[{"id": "a", "title": "T", "summary": "S", "actual_hours": ' + "9" * 5000 + "}]",
        encoding="utf-8",
    )
    assert "long.json, line 1" in refused(store, path)


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path, store: ProjectStore) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes((HEADER + "c1,Café,Shop in Zürich,40,40\n").encode("latin-1"))
    assert "not UTF-8" in refused(store, path)


def test_impossible_hours_are_refused_and_unusual_ones_wait_for_a_confirmation(
    tmp_path: Path, store: ProjectStore
) -> None:
    path = tmp_path / "hours.csv"
    path.write_text(
        HEADER
        + "a,Normal,A shop,40,44\n"
        + "b,Typo,A shop,80,100000\n"
        + "c,Tenfold,A shop,80,99999\n"
        + "d,Overrun,A shop,8,100\n"
        + "e,Huge,A platform,,6000\n"
        + "f,Negative,A shop,40,-3\n",
        encoding="utf-8",
    )
    report = import_file(store, "t1", path)
    assert report.imported == 1 and store.get("t1", "a") is not None
    by_line = {p.line: p for p in report.problems}
    assert "more than one project can take" in by_line[3].message
    assert not by_line[3].confirmable and not by_line[4].confirmable  # 99,999 h > the limit
    assert by_line[5].confirmable and "12× the estimate of 8 h" in by_line[5].message
    assert by_line[6].confirmable and "unusually large" in by_line[6].message
    assert not by_line[7].confirmable  # negative: the model refuses it

    again = import_file(store, "t1", path, confirmed=True)
    assert sorted(again.ids) == ["a", "d", "e"]  # confirmed: the unusual rows, never the impossible
    assert {p.line for p in again.problems} == {3, 4, 7}


def test_an_import_never_overwrites_a_project_closed_in_atelier(
    tmp_path: Path, store: ProjectStore
) -> None:
    closed = project("closed-acme-shop", "Acme shop", actual_hours=320, origin=TRACKED)
    store.upsert("t1", [closed])
    path = tmp_path / "history.csv"
    path.write_text(HEADER + "closed-acme-shop,Acme shop,Imported,40,30\n", encoding="utf-8")
    report = import_file(store, "t1", path)
    assert report.imported == 0 and report.problems[0].field == "id"
    assert "closed in Atelier" in report.problems[0].message
    assert store.get("t1", "closed-acme-shop").actual_hours == 320  # type: ignore[union-attr]

    updated = import_file(store, "t1", path, update=True)  # explicitly an update
    assert updated.imported == 1
    assert store.get("t1", "closed-acme-shop").actual_hours == 30  # type: ignore[union-attr]


def test_an_import_cannot_claim_to_be_a_closed_project(tmp_path: Path, store: ProjectStore) -> None:
    path = tmp_path / "history.json"
    record = {"id": "x1", "title": "T", "summary": "S", "origin": "tracked"}
    path.write_text(json.dumps([record]), encoding="utf-8")
    assert import_file(store, "t1", path).imported == 1
    assert store.get("t1", "x1").origin is None  # type: ignore[union-attr]
