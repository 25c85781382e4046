"""Hypothesis strategies shared by the property tests of the two engines (maturity, readiness)."""

import datetime

from hypothesis import strategies as st

from groups.models import MaturityLevel

LEVELS = list(MaturityLevel.values)
# Leap days, month ends and starts, a year end: where month and year arithmetic goes wrong.
SPECIAL_DAYS = [
    datetime.date(2024, 2, 29),
    datetime.date(2028, 2, 29),
    datetime.date(2026, 1, 31),
    datetime.date(2026, 2, 28),
    datetime.date(2026, 3, 1),
    datetime.date(2026, 3, 31),
    datetime.date(2026, 9, 1),
    datetime.date(2026, 12, 31),
    datetime.date(2027, 1, 1),
]
run_dates = st.one_of(st.sampled_from(SPECIAL_DAYS), st.dates(datetime.date(2024, 1, 1), datetime.date(2028, 12, 31)))
