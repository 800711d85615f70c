"""The one text splitter (adapters/text.py): clean boundaries, fences and emphasis kept whole
or closed and reopened, nothing lost. Random texts in tests/test_render_properties.py."""

from __future__ import annotations

from adapters.text import split_text


def test_prefers_paragraphs_then_lines_then_words() -> None:
    text = "a" * 10 + "\n\n" + "b" * 10 + "\nccc ddd eee"
    assert split_text(text, 12) == ["a" * 10, "b" * 10, "ccc ddd eee"]
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


def test_a_code_fence_is_not_cut_when_a_cut_before_it_fits() -> None:
    fence = "```\n" + "\n".join(f"row {i}" for i in range(8)) + "\n```"
    text = "Intro words here. " * 3 + fence
    pieces = split_text(text, len(fence) + 10)
    assert pieces[-1] == fence


def test_a_fence_longer_than_the_limit_is_closed_and_reopened() -> None:
    fence = "```py\n" + "\n".join(f"x{i} = {i}" for i in range(60)) + "\n```"
    pieces = split_text(fence, 100)
    assert len(pieces) > 1
    for piece in pieces:
        assert len(piece) <= 100
        assert piece.startswith("```py\n") and piece.endswith("\n```")
    body = [line for p in pieces for line in p.splitlines() if not line.startswith("```")]
    assert body == [f"x{i} = {i}" for i in range(60)]


def test_an_emphasis_run_is_kept_whole_or_closed_on_both_sides() -> None:
    text = "lead " * 5 + "**" + "bold " * 4 + "run**" + " tail" * 5
    for piece in split_text(text, 40):
        assert piece.count("**") % 2 == 0, piece
    long_run = "_" + " ".join(["italic"] * 30) + "_"
    pieces = split_text(long_run, 50)
    assert all(p.startswith("_") and p.endswith("_") and len(p) <= 50 for p in pieces)
    assert " ".join(p.strip("_") for p in pieces).split() == ["italic"] * 30
