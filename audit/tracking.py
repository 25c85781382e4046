"""How a model joins the audit trail (DESIGN.md section 8): one decorator, the same trackers everywhere.

django-pghistory installs PostgreSQL triggers, so every write is recorded whatever made it: a
service, a bulk `queryset.update()`, the import's `INSERT ... ON CONFLICT`, a raw SQL statement.
The triggers are statement-level: an import of 100,000 rows records its events with one
`INSERT ... SELECT` per statement instead of 100,000 trigger calls.

Each tracked model gets a `<Model>Event` table with these events:
- "insert": the new row;
- "update": the row after the change, paired with "before": the row before it. Both carry the
  same condition (a tracked field changed), and triggers of one statement fire in name order
  ("before_update" first), so an update's "before" is the latest "before" event of the same
  object with a smaller id. Storing the old row with the update, rather than diffing against the
  previous event, keeps every update readable even when the row was written before tracking
  began (existing data, demo data);
- "delete": the row as it was.

Columns that change with every save or copy another column (updated_at, version, the region
code kept equal to its foreign key) are not tracked, so a write that only moves them is no event.
"""

from collections.abc import Iterable

import pghistory
from django.db import models

from kube_portal.concurrency import Versioned

INSERT = "insert"
UPDATE = "update"
BEFORE = "before"
DELETE = "delete"

#: Never in the trail: bookkeeping that changes with every save, or the creation time (the insert event's time).
ALWAYS_EXCLUDED = ("updated_at", "created_at")


def _index_name(model: type[models.Model], field: str) -> str:
    # PostgreSQL identifiers of Django indexes: at most 30 characters, unique in the database.
    return f"{model._meta.model_name[:15]}_ev_{field.replace('_', '')[:8]}"


def tracked(*, exclude: Iterable[str] = (), by: Iterable[str] = (), trackers: Iterable[pghistory.Tracker] = ()):
    """Class decorator: record every insert, update and delete of the model in `<Model>Event`.

    `exclude`: fields that are not part of the trail (derived copies, figures a nightly run writes).
    `by`: foreign keys a history page reads the events by, besides the object itself (a household's
    page reads its members' events by `household`): each gets an index with the event id.
    `trackers`: further events (a user's "password" change, recorded without the password).
    """

    def decorate(model: type[models.Model]) -> type[models.Model]:
        names = {field.name for field in model._meta.local_fields}
        # The edit counter of kube_portal.concurrency (not CriteriaSet's version, which is data).
        counter = ("version",) if issubclass(model, Versioned) else ()
        excluded = [name for name in (*ALWAYS_EXCLUDED, *counter, *exclude) if name in names]
        indexes = [models.Index(fields=[field, "pgh_id"], name=_index_name(model, field)) for field in ("pgh_obj", *by)]
        return pghistory.track(
            pghistory.InsertEvent(INSERT),
            pghistory.UpdateEvent(BEFORE, row=pghistory.Old),
            pghistory.UpdateEvent(UPDATE),
            pghistory.DeleteEvent(DELETE),
            *trackers,
            exclude=excluded,
            model_name=f"{model.__name__}Event",
            level=pghistory.Statement,
            meta={"indexes": indexes},
        )(model)

    return decorate
