import pytest
from django.core.exceptions import ValidationError

from groups.money import format_rupiah, parse_rupiah
from groups.templatetags.kube_tags import rupiah


@pytest.mark.parametrize(
    ("value", "shown"),
    [(1_250_000, "Rp 1.250.000"), (0, "Rp 0"), (-500_000, "-Rp 500.000"), (999, "Rp 999"), (None, "–")],
)
def test_format_rupiah(value, shown):
    assert format_rupiah(value) == shown
    assert rupiah(value) == shown


@pytest.mark.parametrize(
    "typed", ["Rp 1.250.000", "rp1.250.000", "1.250.000", "1250000", "1.250.000,00", " Rp 1 250 000 "]
)
def test_parse_rupiah_the_indonesian_ways(typed):
    assert parse_rupiah(typed) == 1_250_000


@pytest.mark.parametrize("typed", ["1,5 juta", "1.25.000", "Rp", "1.250.000,50", "abc", "1,250,000"])
def test_parse_rupiah_refuses_what_is_not_an_amount(typed):
    with pytest.raises(ValidationError):
        parse_rupiah(typed)


def test_in_english_amounts_are_grouped_the_english_way():
    from django.utils import translation

    with translation.override("en"):
        assert format_rupiah(1_250_000) == "Rp 1,250,000"
        assert parse_rupiah("Rp 1,250,000") == parse_rupiah("1,250,000.00") == 1_250_000
        with pytest.raises(ValidationError, match=r"Rp 1,250,000"):
            parse_rupiah("1.25.000")
