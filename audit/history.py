"""The history section of a record's page, read from the audit trail.

A record's history is one or more *streams* of events, the record's own and those of the rows
that belong to it (a household's members; a KUBE's memberships, grants and reports), plus the
rows the old audit tables held (audit.LegacyEntry): newest first, a page at a time. Each entry
says when, who (the context's user), from where (the context's source: a page, an import job,
the API, the nightly run), what (created, changed, deleted) and, field by field, the value
before and after, worded with the fields' verbose names and choice labels in the reader's
language. Related rows are named through the reader's scope (`visible_to`): a row the reader
may not see is shown by its number only.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.context import Source
from audit.models import LegacyEntry
from audit.tracking import BEFORE, DELETE, INSERT, UPDATE
from kube_portal.concurrency import display

#: Query parameter of the history's page number (the record's page may have other lists).
PAGE_PARAMETER = "riwayat"
PER_PAGE = 20
_LEGACY = -1
#: Regions and logins are named as they are, whoever reads: reference data, and the people who wrote.
_PUBLIC_APPS = {"regions", "accounts"}

_ACTIONS = {
    INSERT: gettext_lazy("Dibuat"),
    UPDATE: gettext_lazy("Diubah"),
    DELETE: gettext_lazy("Dihapus"),
    # accounts.models.PASSWORD_CHANGED
    "password": gettext_lazy("Kata sandi diubah"),
}
# The actions and sources the old audit tables used.
_LEGACY_ACTIONS = {
    **_ACTIONS,
    "create": gettext_lazy("Dibuat"),
    "deactivate": gettext_lazy("Dinonaktifkan"),
    "reactivate": gettext_lazy("Diaktifkan kembali"),
    "merge": gettext_lazy("Digabung"),
    "password_reset": gettext_lazy("Kata sandi disetel ulang"),
}
_LEGACY_SOURCES = {
    "": Source.PAGE.label,
    "form": Source.PAGE.label,
    "bulk": gettext_lazy("halaman (perubahan massal)"),
    "review": gettext_lazy("halaman (tinjauan duplikat)"),
    "import": Source.IMPORT.label,
}
_LEGACY_FIELDS = {"merged_into": gettext_lazy("digabung ke")}


@dataclass(frozen=True)
class Stream:
    """The events of one event model that belong to the record: `where` selects them.

    Events of another model than the record's own name their row: `subject` ("Anggota") and the
    values of `subject_fields` (its name and NIK).
    """

    event_model: type[models.Model]
    where: Q
    subject: Any = ""
    subject_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Change:
    label: str
    before: str | None
    after: str | None


@dataclass
class Entry:
    at: datetime.datetime
    action: str
    actor: Any
    source: str
    path: str
    subject: str
    changes: list[Change]


@dataclass
class HistoryPage:
    entries: list[Entry]
    page: Page
    previous_url: str = ""
    next_url: str = ""


@dataclass
class _Raw:
    """An entry before its values are worded: the related rows it names are looked up for the whole page."""

    at: datetime.datetime
    action: str
    actor_id: Any
    source: str
    path: str
    subject_label: str
    subject: list[tuple[models.Field | None, Any]]
    pairs: list[tuple[models.Field | None, str, Any, Any]]


@dataclass(frozen=True)
class History:
    """The history of one record: its streams, and its rows in the old tables (`legacy_model`, `legacy_id`).

    `masks` hides parts of values from readers without the right to see them in full
    ({"nik": mask_nik}); the view says when not to apply them.
    """

    streams: Sequence[Stream]
    legacy_model: str = ""
    legacy_id: str = ""
    masks: Mapping[str, Callable[[str], str]] = field(default_factory=dict)

    def page(self, request, *, unmasked: bool = False) -> HistoryPage:
        """The page of entries the request asks for (`?riwayat=N`), in the active language."""
        page = Paginator(self._listing(), PER_PAGE).get_page(request.GET.get(PAGE_PARAMETER))
        masks = {} if unmasked else self.masks
        entries = _worded(self._raws(list(page.object_list)), reader=request.user, masks=masks)

        def url(number: int) -> str:
            query = request.GET.copy()
            query[PAGE_PARAMETER] = number
            return f"?{query.urlencode()}#{PAGE_PARAMETER}"

        return HistoryPage(
            entries=entries,
            page=page,
            previous_url=url(page.previous_page_number()) if page.has_previous() else "",
            next_url=url(page.next_page_number()) if page.has_next() else "",
        )

    def last_change(self) -> tuple[Any, datetime.datetime] | None:
        """Who saved the record last and when (for the message of a refused stale edit), if known."""
        raws = self._raws(list(self._listing()[:1]))
        if not raws or raws[0].actor_id is None:
            return None
        actor = get_user_model().objects.filter(pk=raws[0].actor_id).first()
        return (actor, raws[0].at) if actor else None

    def _listing(self):
        parts = [
            stream.event_model.objects.filter(stream.where)
            .exclude(pgh_label=BEFORE)
            .order_by()
            .annotate(h_stream=Value(index), h_key=F("pgh_id"), h_at=F("pgh_created_at"))
            .values_list("h_stream", "h_key", "h_at")
            for index, stream in enumerate(self.streams)
        ]
        if self.legacy_model:
            parts.append(
                LegacyEntry.objects.filter(object_model=self.legacy_model, object_id=self.legacy_id)
                .order_by()
                .annotate(h_stream=Value(_LEGACY), h_key=F("id"), h_at=F("at"))
                .values_list("h_stream", "h_key", "h_at")
            )
        first, *rest = parts
        return first.union(*rest, all=True).order_by("-h_at", "-h_key")

    def _raws(self, rows: list[tuple[int, int, datetime.datetime]]) -> list[_Raw]:
        keys: dict[int, list[int]] = defaultdict(list)
        for stream_index, key, _at in rows:
            keys[stream_index].append(key)
        found: dict[tuple[int, int], _Raw] = {}
        for stream_index, ids in keys.items():
            if stream_index == _LEGACY:
                for entry in LegacyEntry.objects.filter(pk__in=ids):
                    found[(_LEGACY, entry.pk)] = _legacy_raw(entry)
            else:
                stream = self.streams[stream_index]
                for key, raw in _event_raws(stream, ids).items():
                    found[(stream_index, key)] = raw
        return [found[(stream_index, key)] for stream_index, key, _at in rows if (stream_index, key) in found]


def history_of(record: models.Model, *streams: Stream, masks: Mapping[str, Callable[[str], str]] | None = None):
    """The history of `record` from these streams and its rows in the old audit tables."""
    return History(streams=streams, legacy_model=record._meta.label_lower, legacy_id=str(record.pk), masks=masks or {})


def tracked_fields(event_model: type[models.Model]) -> list[models.Field]:
    """The fields of the tracked model that its events hold, in the model's order."""
    held = {f.name for f in event_model._meta.concrete_fields if not f.name.startswith("pgh_")}
    tracked = event_model.pgh_tracked_model
    return [f for f in tracked._meta.concrete_fields if f.name in held and not f.primary_key]


def _event_raws(stream: Stream, ids: list[int]) -> dict[int, _Raw]:
    model = stream.event_model
    before = model.objects.filter(pgh_obj_id=OuterRef("pgh_obj_id"), pgh_label=BEFORE, pgh_id__lt=OuterRef("pgh_id"))
    events = list(
        model.objects.filter(pgh_id__in=ids)
        .select_related("pgh_context")
        .annotate(h_before=Subquery(before.order_by("-pgh_id").values("pgh_id")[:1]))
    )
    befores = model.objects.in_bulk([e.h_before for e in events if e.pgh_label == UPDATE and e.h_before])
    fields = tracked_fields(model)
    subject_fields = [model.pgh_tracked_model._meta.get_field(name) for name in stream.subject_fields]
    raws = {}
    for event in events:
        meta = event.pgh_context.metadata if event.pgh_context_id and event.pgh_context else None
        if event.pgh_label == UPDATE and event.h_before in befores:
            old = befores[event.h_before]
            pairs = [
                (f, _label(f), getattr(old, f.attname), getattr(event, f.attname))
                for f in fields
                if getattr(old, f.attname) != getattr(event, f.attname)
            ]
        elif event.pgh_label == DELETE:
            pairs = [
                (f, _label(f), getattr(event, f.attname), None) for f in fields if _filled(getattr(event, f.attname))
            ]
        elif event.pgh_label in (INSERT, UPDATE):
            # An update without its "before" row (written with the triggers off) shows what it set.
            pairs = [
                (f, _label(f), None, getattr(event, f.attname)) for f in fields if _filled(getattr(event, f.attname))
            ]
        else:
            pairs = []
        raws[event.pgh_id] = _Raw(
            at=event.pgh_created_at,
            action=str(_ACTIONS.get(event.pgh_label, event.pgh_label)),
            actor_id=(meta or {}).get("user"),
            source=_source(meta),
            path=(meta or {}).get("url", ""),
            subject_label=str(stream.subject),
            subject=[(f, getattr(event, f.attname)) for f in subject_fields],
            pairs=pairs,
        )
    return raws


def _legacy_raw(entry: LegacyEntry) -> _Raw:
    try:
        model = apps.get_model(entry.entry_model)
    except LookupError:
        model = None
    pairs = []
    for name, pair in (entry.changes or {}).items():
        before, after = (list(pair) + [None, None])[:2]
        model_field = _legacy_field(model, name)
        label = _label(model_field) if model_field else str(capfirst(_LEGACY_FIELDS.get(name, name)))
        pairs.append((model_field, label, _python(model_field, before), _python(model_field, after)))
    subject: list[tuple[models.Field | None, Any]] = []
    subject_label = ""
    if entry.subject and model is not None:
        subject_label = str(capfirst(model._meta.verbose_name))
        subject = [(_legacy_field(model, "nik"), entry.subject)]
    return _Raw(
        at=entry.at,
        action=str(_LEGACY_ACTIONS.get(entry.action, entry.action)),
        actor_id=entry.actor_id,
        source=str(_LEGACY_SOURCES.get(entry.source, entry.source)),
        path="",
        subject_label=subject_label,
        subject=subject,
        pairs=pairs,
    )


def _legacy_field(model, name: str) -> models.Field | None:
    if model is None:
        return None
    for model_field in model._meta.concrete_fields:
        if name in (model_field.name, model_field.attname):
            return model_field
    return None


def _python(model_field: models.Field | None, value: Any) -> Any:
    """A value of the old tables (JSON; the mentors' table kept text) as the field's Python value."""
    if value in (None, "") or model_field is None:
        return None if value == "" else value
    try:
        return model_field.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return value


def _label(model_field: models.Field) -> str:
    return str(capfirst(model_field.verbose_name))


def _filled(value: Any) -> bool:
    return value not in (None, "", [], {})


def _source(meta: Mapping[str, Any] | None) -> str:
    if not meta:
        return _("sistem")
    source = meta.get("source")
    if source == Source.IMPORT and meta.get("import_job"):
        return _("impor #%(id)s") % {"id": meta["import_job"]}
    if source == Source.NIGHTLY and meta.get("run"):
        return _("proses malam #%(id)s") % {"id": meta["run"]}
    try:
        return str(Source(source).label)
    except ValueError:
        return _("sistem")


def _worded(raws: list[_Raw], *, reader, masks: Mapping[str, Callable[[str], str]]) -> list[Entry]:
    values = [(f, v) for raw in raws for f, v in raw.subject]
    values += [(f, v) for raw in raws for f, _name, before, after in raw.pairs for v in (before, after)]
    names = _related_names(values, reader)
    actors = get_user_model().objects.in_bulk({raw.actor_id for raw in raws if raw.actor_id is not None})

    def shown(model_field: models.Field | None, value: Any) -> str | None:
        return _shown(model_field, value, names=names, masks=masks)

    entries = []
    for raw in raws:
        subject = " · ".join(filter(None, (shown(f, v) for f, v in raw.subject)))
        entries.append(
            Entry(
                at=raw.at,
                action=raw.action,
                actor=actors.get(raw.actor_id),
                source=raw.source,
                path=raw.path,
                subject=f"{raw.subject_label}: {subject}" if raw.subject_label and subject else raw.subject_label,
                changes=[Change(label, shown(f, before), shown(f, after)) for f, label, before, after in raw.pairs],
            )
        )
    return entries


def _related_names(values: list[tuple[models.Field | None, Any]], reader) -> dict[tuple[Any, Any], str]:
    """The names of the related rows on the page, one query per related model, through the reader's scope."""
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for model_field, value in values:
        if model_field is not None and model_field.is_relation and value not in (None, ""):
            wanted[model_field.related_model].add(value)
    names = {}
    user_model = get_user_model()
    for model, ids in wanted.items():
        rows = model._default_manager.all()
        if model._meta.app_label not in _PUBLIC_APPS and hasattr(rows, "visible_to"):
            rows = rows.visible_to(reader)
        for row in rows.filter(pk__in=ids):
            names[(model, row.pk)] = (row.get_full_name() or row.username) if model is user_model else str(row)
    return names


def _shown(model_field, value, *, names, masks) -> str | None:
    if not _filled(value):
        return None
    if model_field is None:
        return str(value)
    mask = masks.get(model_field.name)
    if mask is not None:
        return mask(str(value))
    if model_field.is_relation:
        return names.get((model_field.related_model, value), f"#{value}")
    if isinstance(model_field, ArrayField) and model_field.base_field.choices:
        labels = dict(model_field.base_field.flatchoices)
        return ", ".join(str(labels.get(item, item)) for item in value)
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "j M Y H:i")
    if isinstance(model_field, models.IntegerField) and not model_field.choices and isinstance(value, int):
        # Rupiah amounts and counts with the reader's digit grouping (20.000.000 / 20,000,000).
        return number_format(value, force_grouping=True)
    return display(model_field, value)
