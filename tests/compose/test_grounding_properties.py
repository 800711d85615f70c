"""Properties of the grounding check over many generated texts and figures."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.grounding import check, dropped

TOKENS = st.sampled_from(
    ["12", "1,200", "1.5", "$12k", "€3m", "30%", "March", "15", "2026", "2026-03-15",
     "03/04/2026", "p-017", "P50", "#general", "https://x.example/a", "a@b.co", "Acme",
     "Bloom", "the", "h", ".", ",", ":", "\n", "- ", "**", "(", "k", "m", "May", "3rd", "–"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(TOKENS, max_size=25), st.sampled_from([" ", ""]))
def test_a_draft_is_always_grounded_in_itself(tokens, separator):
    text = separator.join(tokens)
    assert check(text, {}, text) == []
    assert dropped(text, text) == []


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1_000, max_value=10_000_000))
def test_thousands_separators_are_the_same_number_and_others_are_not(value):
    assert check(f"About {value:,} hours.", {"hours": value}, "") == []
    assert check(f"About {value} hours.", {"hours": float(value)}, "") == []
    assert check(f"About {value + 1:,} hours.", {"hours": value}, "") != []


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=0.5, max_value=5_000, allow_nan=False, allow_infinity=False))
def test_a_rounding_passes_and_a_rounding_to_the_next_step_fails(value):
    facts = {"hours": value}
    assert check(f"{value:.1f}h", facts, "") == []
    assert check(f"{value + 1:.1f}h", facts, "") != []
