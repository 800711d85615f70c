"""The traceability checker itself must catch an invented number."""

from tests.scope.trace import figures, untraceable


def test_figures_read_units_and_rounding():
    found = {
        written: (value, tol) for written, value, tol in figures("≈ 9.6k, 62%, 1.33×, 1,234 h")
    }
    assert found["9.6k"][0] == 9600 and found["9.6k"][1] == 50 + 1e-9
    assert abs(found["62%"][0] - 0.62) < 1e-12
    assert found["1.33×"][0] == 1.33
    assert found["1,234"][0] == 1234


def test_an_invented_number_is_reported_and_real_ones_are_not():
    facts = {"p50": 151.4, "price": 13626.0, "similarity": 0.624, "title": "Shop demo-003"}
    assert untraceable("≈ 151 h, €14k, 62% similar [demo-003]", facts) == []
    assert untraceable("≈ 151 h, about 40 h of QA", facts) == ["40"]
    assert untraceable("≈ 152 h", facts) == ["152"]
