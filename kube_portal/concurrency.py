"""Optimistic concurrency: a save made from a stale copy of a record is refused, never applied.

Two officers open the same record; the first saves. The second one's form still shows the
old values, and saving it would silently revert the first change. So every edit form of a
register record carries the record's `version` (an integer the services bump on every
save), and the service that saves:

1. locks the row (SELECT ... FOR UPDATE, in its transaction), so two saves cannot both
   pass the check;
2. calls `version_check`: if the version the form carries is not the stored one, the save
   is refused with `StaleEdit`, which lists, field by field, what is stored now against
   what the user submitted, and carries the current object (a later API answers 409 with
   it through the same service);
3. saves with the version bumped.

When everything the user submitted equals what is stored, nothing can be overwritten and
the save goes ahead. The page re-renders the form with the user's input and the diff, and
with the current version: saving again is then a choice made knowing the other change.

Hand-written rather than django-concurrency (not installed): this is one check and one
counter, kept in one place.
"""

import datetime
import decimal
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class Versioned(models.Model):
    """A register record edited through forms: its `version` goes up with every save.

    `db_default` too, so rows written by SQL (imports, demo data) start at 1 as well.
    """

    version = models.PositiveIntegerField(gettext_lazy("versi"), default=1, db_default=1, editable=False)

    class Meta:
        abstract = True


class VersionedRecord(Protocol):
    """A record with a version: a `Versioned` model, or one whose versions are rows (CriteriaSet)."""

    pk: Any
    version: int


@dataclass(frozen=True)
class Difference:
    """One field where the stored record and the user's input disagree."""

    label: str
    theirs: str
    yours: str


class StaleEdit(ValidationError):
    """The record changed since the form was opened, and the user's input would overwrite it."""

    def __init__(
        self,
        *,
        current: VersionedRecord,
        differences: list[Difference],
        changed_by: Any = None,
        changed_at: datetime.datetime | None = None,
    ):
        self.current = current
        self.differences = differences
        self.changed_by = changed_by
        self.changed_at = changed_at
        if changed_by and changed_at:
            message = _(
                "Data ini diubah oleh %(user)s pada %(at)s, setelah Anda membuka formulir. "
                "Simpanan Anda ditolak agar perubahan itu tidak tertimpa."
            ) % {"user": changed_by, "at": date_format(timezone.localtime(changed_at), "j F Y H:i")}
        else:
            message = _(
                "Data ini diubah orang lain setelah Anda membuka formulir. "
                "Simpanan Anda ditolak agar perubahan itu tidak tertimpa."
            )
        super().__init__(message, code="stale")


def display(field: models.Field | None, value: Any) -> str:
    """A stored or submitted value as the user reads it (choice labels, dates, Ya/Tidak)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, models.Model):
        return str(value)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("Ya") if value else _("Tidak"))
    if isinstance(value, datetime.date):
        return date_format(value, "j M Y")
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, (list, tuple, set)):
        return ", ".join(display(None, item) for item in value) or "—"
    return str(value)


def _comparable(field: models.Field | None, value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if value == "":
        return None
    if isinstance(value, decimal.Decimal):
        return value.normalize()
    if isinstance(value, (int, float)) and isinstance(field, models.DecimalField):
        return decimal.Decimal(str(value)).normalize()
    return value


def differences(obj: Any, submitted: Mapping[str, Any], *, prefix: str = "") -> list[Difference]:
    """Where `submitted` ({field name or attname: value}) disagrees with `obj` as it is stored now."""
    found = []
    for name, yours in submitted.items():
        field = _field(obj, name)
        if field is None:
            continue
        theirs = getattr(obj, field.attname)
        if _comparable(field, theirs) == _comparable(field, yours):
            continue
        related = field.related_model if field.is_relation else None
        if isinstance(related, type) and issubclass(related, models.Model):
            theirs_shown = display(None, getattr(obj, field.name))
            if not isinstance(yours, models.Model) and yours not in (None, ""):
                yours = related._default_manager.filter(pk=yours).first() or yours
        else:
            theirs_shown = display(field, theirs)
        label = str(field.verbose_name)
        found.append(
            Difference(label=prefix + label[:1].upper() + label[1:], theirs=theirs_shown, yours=display(field, yours))
        )
    return found


def _field(obj: models.Model, name: str) -> models.Field | None:
    for field in obj._meta.concrete_fields:
        if name in (field.name, field.attname):
            return field
    return None


def version_check(
    obj: Any,
    *,
    version: int | None,
    submitted: Mapping[str, Any],
    more: Callable[[], Iterable[Difference]] | None = None,
    last_change: Callable[[], tuple[Any, datetime.datetime] | None] | None = None,
    bump: bool = True,
) -> None:
    """Refuse a save from `version` if `obj` (locked by the caller) moved on and the input differs.

    `more()` adds differences beyond the fields of `submitted` (a household's members);
    `last_change()` says who saved last and when, where the record keeps it. Both are only
    called for a stale save. `version` None means the caller edits without a form copy (an
    import, a bulk update): no check. Then `obj.version` is bumped, for the caller to save
    with the other fields (`bump=False` for a record whose versions are rows of their own).
    """
    if version is not None and version != obj.version:
        found = differences(obj, submitted) + list(more() if more else ())
        if found:
            who, when = (last_change() if last_change else None) or (None, None)
            raise StaleEdit(current=obj, differences=found, changed_by=who, changed_at=when)
    if bump:
        obj.version += 1


# --- Forms ------------------------------------------------------------------------------------


class VersionField(forms.IntegerField):
    """The record's version when the form was opened. Missing (a page from before) counts as 0,
    which no record has: the service then compares the input with what is stored."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, min_value=0, **kwargs)

    def clean(self, value):
        return super().clean(value) or 0


if TYPE_CHECKING:  # the mixin goes before a Form or ModelForm in the bases; to type checkers it is one
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class VersionedFormMixin(_FormBase):
    """Adds the hidden `version` field to an edit form; `show_stale` prepares it for a refused save."""

    def __init__(self, *args, version: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"] = VersionField(initial=version)
        self.stale: StaleEdit | None = None

    def show_stale(self, error: StaleEdit) -> None:
        """Keep the user's input, show the differences, and base a next save on the current version."""
        self.stale = error
        data: Any = self.data.copy()  # type: ignore[attr-defined]  # a bound form holds a QueryDict
        data[self.add_prefix("version")] = error.current.version
        self.data = data


StoredRow = TypeVar("StoredRow", bound=models.Model)


def stored_resend(
    model: type[StoredRow],
    client_uuid: uuid.UUID | None,
    *,
    is_same_record: Callable[[StoredRow], bool],
    taken: Exception,
) -> StoredRow | None:
    """The row a client already stored under `client_uuid` (a resend of the field app), or None.

    Exactly once for the field app's writes: a request whose reply was lost is sent again
    with the same code, and answers with the stored row. A code already used for another
    record (`is_same_record` false) raises `taken`. The caller holds the lock that
    serialises a resend racing its first request.
    """
    if client_uuid is None:
        return None
    existing = model._default_manager.filter(client_uuid=client_uuid).first()
    if existing is not None and not is_same_record(existing):
        raise taken
    return existing
