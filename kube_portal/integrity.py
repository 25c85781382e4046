"""Unique constraints hit by a concurrent save answer the form's message, never a 500.

A service checks "is this No. KK / NIK / transfer reference free?" and then writes. Two
requests can both pass the check before either commits; the database's unique constraint
then refuses the second write with an IntegrityError. `unique_errors` wraps that write in
a savepoint and turns the violation of a constraint it knows into the same
ValidationError the check gives, so the view shows the form again with the message (and
the user's input) instead of an error page. The savepoint keeps the surrounding
transaction usable, so the message may query (e.g. to name the household that took a
number, which is committed by then: PostgreSQL makes the second insert wait for the
first transaction).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import IntegrityError, connection, models, transaction

UNIQUE_VIOLATION = "23505"

Message = Callable[[], ValidationError | dict | str]


@contextmanager
def unique_errors(model: type[models.Model], **messages: Message) -> Iterator[None]:
    """Map unique violations on `model` to ValidationErrors.

    Keys are field names (a single-column unique constraint or index on that field) or
    constraint names (several columns, or a partial unique index); values build the
    message when needed. A violation of another constraint is raised as it is.
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        key = _violated(model, error, messages)
        if key is None:
            raise
        message = messages[key]()
        raise (message if isinstance(message, ValidationError) else ValidationError(message)) from error


def _violated(model: type[models.Model], error: IntegrityError, keys) -> str | None:
    cause = error.__cause__
    code = getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None)
    diag = getattr(cause, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    if code != UNIQUE_VIOLATION or not constraint:
        return None
    if constraint in keys:
        return constraint
    columns = _constraint_columns(model._meta.db_table).get(constraint)
    for key in keys:
        try:
            field = model._meta.get_field(key)
        except FieldDoesNotExist:
            continue
        if isinstance(field, models.Field) and columns == (field.column,):
            return key
    return None


@cache
def _constraint_columns(table: str) -> dict[str, tuple[str, ...]]:
    """Unique constraints and unique indexes of a table by name (the names PostgreSQL reports)."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {name: tuple(info["columns"]) for name, info in found.items() if info["unique"]}
