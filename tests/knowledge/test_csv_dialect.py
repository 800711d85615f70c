"""One separator rule for every CSV Atelier reads: past projects and backtest histories."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.backtest import read_items
from knowledge.csv_dialect import sniff_delimiter
from knowledge.importers import ImportReport, Row, read_projects


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("title,summary,actual_hours\n", ","),
        ("title;summary;actual_hours\r\n", ";"),
        ("title\tsummary\tactual_hours\n", "\t"),
        ('"title, short";summary;hours\n', ";"),  # a comma inside a quoted name does not count
        ("title;summary,hours\n", ","),  # a tie goes to the comma
        ("title\n", ","),  # one column
        ("", ","),
    ],
)
def test_the_separator_is_the_most_frequent_one_in_the_header(header: str, expected: str) -> None:
    assert sniff_delimiter(header) == expected


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_the_importer_and_the_backtest_read_the_same_file_alike(
    tmp_path: Path, separator: str
) -> None:
    rows = [
        ["title", "summary", "actual_hours"],
        ["Bakery shop", "Shopify store, custom theme", "120"],
        ["Law firm site", "Brochure site; five pages", "40"],
    ]
    path = tmp_path / "history.csv"
    quote = '"{}"'.format
    path.write_text(
        "\n".join(separator.join(quote(cell) for cell in row) for row in rows) + "\n",
        encoding="utf-8",
    )
    report = ImportReport(path=str(path), format="csv")
    projects = [r.project for r in read_projects(path, report) if isinstance(r, Row)]
    assert [(p.title, p.actual_hours) for p in projects] == [
        ("Bakery shop", 120.0),
        ("Law firm site", 40.0),
    ]
    items = read_items(path, ["title", "summary"], "actual_hours")
    assert [item.actual for item in items] == [120.0, 40.0]
    assert "custom theme" in items[0].text
