"""Reading the audit trail in tests as a reader of the history pages does (audit.history)."""

from django.test import RequestFactory
from django.utils import translation

from audit.history import Entry, History


def entries(history: History, reader, *, language: str = "id", unmasked: bool = True, page: int = 1) -> list[Entry]:
    request = RequestFactory().get("/", {"riwayat": page})
    request.user = reader
    with translation.override(language):
        return history.page(request, unmasked=unmasked).entries


def changes(entry: Entry) -> dict[str, tuple[str | None, str | None]]:
    return {change.label: (change.before, change.after) for change in entry.changes}
