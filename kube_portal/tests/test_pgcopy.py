import datetime

import pytest
from django.db import connection

from kube_portal.pgcopy import copy_rows, copy_value


def test_values_in_copy_text_format():
    assert [copy_value(v) for v in (None, True, False, 7, datetime.date(2026, 1, 31))] == [
        "\\N",
        "t",
        "f",
        "7",
        "2026-01-31",
    ]
    assert copy_value("a\tb\\c\nd\re") == "a\\tb\\\\c\\nd\\re"


@pytest.mark.django_db
def test_rows_arrive_as_they_were_written():
    """A text with COPY's delimiters in it stays one value of its row; NULL and booleans arrive as such."""
    rows = [("tab\there", True, None, datetime.date(2026, 2, 1)), ("back\\slash\nline", False, 3, None)]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE copied (name text, flag boolean, n int, day date)")
        copy_rows(cursor, "copied", rows)
        copy_rows(cursor, "copied", [(5, "only n and name")], columns=["n", "name"])
        cursor.execute("SELECT name, flag, n, day FROM copied ORDER BY name")
        assert cursor.fetchall() == [
            ("back\\slash\nline", False, 3, None),
            ("only n and name", None, 5, None),
            ("tab\there", True, None, datetime.date(2026, 2, 1)),
        ]
