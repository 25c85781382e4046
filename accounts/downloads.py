"""The record of every download of personal data (UU PDP; DESIGN.md section 8).

Every view (and API endpoint) that hands out personal data calls `download_record` before
it sends the file: KPM lists with names and NIK, import error reports (they repeat the
uploaded rows), mentor reports (the mentor's NIK and the visit notes) and visit photos.
The record says who, what, with which filters, how many rows, when and from where. A
streamed file is recorded before its first byte; its row count is filled in by
`download_finish` once the last row went out, so a download broken off halfway shows
no count. Records are only ever added: there is no service that changes or deletes them.

This module is in the foundation layer (accounts) so that every app can record into it.
"""

import re

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import DownloadChannel, DownloadRecord, Role, User
from accounts.throttling import client_ip

REGION_CODE = re.compile(r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$")


def can_read_downloads(user: User) -> bool:
    """National administrators, and the district head for the district's data."""
    return user.is_authenticated and user.is_active and (user.is_national or user.role == Role.DINSOS_KABKOTA)


def downloads_visible_to(user: User) -> QuerySet[DownloadRecord]:
    if not can_read_downloads(user):
        return DownloadRecord.objects.none()
    return DownloadRecord.objects.visible_to(user)


def data_region(user: User, *codes: str) -> str:
    """The narrowest region that holds all the data `user` downloads, narrowed by filter `codes`.

    A user's scope of one region bounds the data; a filter on a kecamatan or village inside
    it narrows it further. "" when the data may span several provinces (a national or
    directorate user without a region filter).
    """
    narrowest = scope = user.scope.region
    for code in codes:
        code = (code or "").strip()
        if REGION_CODE.match(code) and code.startswith(scope) and len(code) > len(narrowest):
            narrowest = code
    return narrowest


@transaction.atomic
def download_record(
    *,
    request: HttpRequest,
    kind: str,
    file_format: str,
    description: str = "",
    filters: dict | None = None,
    row_count: int | None = None,
    full_nik: bool = False,
    region_code: str = "",
    channel: str = DownloadChannel.PAGE,
) -> DownloadRecord:
    return DownloadRecord.objects.create(
        user=request.user,
        kind=kind,
        file_format=file_format,
        description=description[:255],
        filters=filters or {},
        row_count=row_count,
        full_nik=full_nik,
        region_code=region_code,
        channel=channel,
        path=request.get_full_path()[:500],
        client_ip=client_ip(request)[:45],
    )


@transaction.atomic
def download_finish(*, record: DownloadRecord, row_count: int) -> None:
    DownloadRecord.objects.filter(pk=record.pk).update(row_count=row_count)
