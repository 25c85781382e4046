"""Rows into PostgreSQL with `COPY ... FROM STDIN`: the import's and the demo data's bulk path.

COPY's text format is written here and only here: NULL as `\\N`, booleans as `t`/`f`, dates and
datetimes in ISO 8601, and backslash, tab, newline and carriage return escaped in every text, so a
name with a tab in it cannot shift the columns of its row. Values that are already COPY literals
(an array `{a,b}`, JSON text) pass through as text.
"""

import datetime
import io
from collections.abc import Iterable, Sequence
from typing import Any


def copy_value(value: object) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    text = value.isoformat() if isinstance(value, datetime.date) else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_rows(cursor: Any, table: str, rows: Iterable[Sequence[object]], columns: Sequence[str] = ()) -> None:
    """COPY `rows` into `table` (into `columns` when given, else every column in order) through a Django cursor."""
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(copy_value(value) for value in row))
        buffer.write("\n")
    buffer.seek(0)
    target = f"{table} ({', '.join(columns)})" if columns else table
    cursor.cursor.copy_expert(f"COPY {target} FROM STDIN", buffer)
