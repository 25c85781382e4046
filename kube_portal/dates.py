"""Calendar arithmetic of the Python side: months and years, in one place.

Shifts by months and years are `dateutil.relativedelta`'s: the day is kept, or becomes the
last day of a shorter month (31 January + 1 month = 28 or 29 February; 29 February − 1 year
= 28 February, as PostgreSQL's `date - interval` does). The SQL statements keep their own
month arithmetic next to them (month indexes as parameters); `months_between` is the Python
twin of that arithmetic.
"""

import datetime

from dateutil.relativedelta import relativedelta


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` months later (earlier if negative), clamped to the month's last day."""
    return day + relativedelta(months=months)


def month_start(day: datetime.date, months: int = 0) -> datetime.date:
    """The first day of the month `months` months after the month of `day` (0: its own month)."""
    return day.replace(day=1) + relativedelta(months=months)


def years_before(day: datetime.date, years: int) -> datetime.date:
    """`day` minus whole years (29 February → 28 February)."""
    return day - relativedelta(years=years)


def month_index(day: datetime.date) -> int:
    """Months since year 0: the difference of two is the number of month boundaries between them.

    The SQL statements count months the same way, `year * 12 + month`, next to the data.
    """
    return day.year * 12 + day.month


def months_between(start: datetime.date | None, end: datetime.date) -> int:
    """Whole months from `start` to `end`, as PostgreSQL's age() counts them (0 if not started).

    Hand-written on purpose: relativedelta clamps month ends, so for it 31 January → 29 February
    is a whole month, while age() (and the set-based SQL engines, which count months as
    `month index difference − (start day > end day)`) say 29 days. The two engines must agree.
    """
    if start is None:
        return 0
    months = month_index(end) - month_index(start) - (end.day < start.day)
    return max(months, 0)
