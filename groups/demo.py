"""Demo KUBE for `manage.py seed_demo`: groups of about ten demo households per kecamatan.

Every active household that is not yet in a KUBE is grouped with its neighbours of the
same kecamatan (8–12 per group; a remainder under 5 stays unassigned). Most groups are
active, with their grant and up to 24 monthly reports with a trend (growing, flat or
shrinking; KUBE BEKERJA groups report hens and eggs); the others wait at each step of
the lifecycle, with their status history. Maturity is then classified set-based, and
some Maju groups are referred to KUR. Rows go in with COPY, so 100,000 groups take
minutes. Re-running only adds groups for households still outside a KUBE.
"""

import datetime
import json
import random
import time
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import Role, User
from beneficiaries.models import Household
from groups.maturity import classify_all
from groups.models import (
    BusinessField,
    BusinessType,
    KubeSequence,
    MaturityLevel,
    Membership,
    Program,
    Status,
    StatusNote,
)
from kube_portal.dates import month_start
from kube_portal.pgcopy import copy_rows

BATCH_KUBE = 5_000
# Share of groups per final status; the rest (about 70%) are active.
STATUS_SHARES = [
    (Status.DRAFT, 0.04),
    (Status.DIUSULKAN, 0.05),
    (Status.DIKEMBALIKAN, 0.03),
    (Status.DIREKOMENDASIKAN, 0.05),
    (Status.DITETAPKAN, 0.05),
    (Status.NONAKTIF, 0.05),
]
PATHS = {
    Status.DRAFT: [Status.DRAFT],
    Status.DIUSULKAN: [Status.DRAFT, Status.DIUSULKAN],
    Status.DIKEMBALIKAN: [Status.DRAFT, Status.DIUSULKAN, Status.DIKEMBALIKAN],
    Status.DIREKOMENDASIKAN: [Status.DRAFT, Status.DIUSULKAN, Status.DIREKOMENDASIKAN],
    Status.DITETAPKAN: [Status.DRAFT, Status.DIUSULKAN, Status.DIREKOMENDASIKAN, Status.DITETAPKAN],
    Status.AKTIF: [Status.DRAFT, Status.DIUSULKAN, Status.DIREKOMENDASIKAN, Status.DITETAPKAN, Status.AKTIF],
    Status.NONAKTIF: [
        Status.DRAFT,
        Status.DIUSULKAN,
        Status.DIREKOMENDASIKAN,
        Status.DITETAPKAN,
        Status.AKTIF,
        Status.NONAKTIF,
    ],
}
# Who takes each step: the role whose officer is looked up for the KUBE's region.
STEP_ROLE = {
    Status.DRAFT: Role.DINSOS_KABKOTA,
    Status.DIUSULKAN: Role.DINSOS_KABKOTA,
    Status.DIKEMBALIKAN: Role.DINSOS_PROVINSI,
    Status.DIREKOMENDASIKAN: Role.DINSOS_PROVINSI,
    Status.DITETAPKAN: Role.DIREKTORAT,
    Status.AKTIF: Role.DINSOS_KABKOTA,
    Status.NONAKTIF: Role.DINSOS_KABKOTA,
}
STEP_COMMENT = {
    Status.DIKEMBALIKAN: "Rekening belum atas nama kelompok; lengkapi rencana pemasaran.",
    Status.NONAKTIF: "Usaha berhenti sementara; anggota bekerja musiman.",
}
NAMES = ["Maju Bersama", "Sejahtera", "Mandiri", "Berkah", "Harapan Jaya", "Sumber Rezeki", "Bina Usaha",
         "Karya Mulya", "Tunas Harapan", "Sinar Abadi", "Makmur", "Guyub Rukun", "Mekar Sari", "Bangkit"]  # fmt: skip
BANKS = ["BRI", "BNI", "Bank Mandiri", "BSI", "Bank BJB"]
EGG_PRICE_PER_KG = 27_000
FEED_COST_PER_HEN = 24_000  # per month

KUBE_COLUMNS = [
    "id", "registration_number", "name", "program_id", "business_type", "business_field_id", "kecamatan_id",
    "region_code", "secretariat_village_id", "secretariat_address", "founded_on", "bank_name",
    "bank_account_number", "bank_account_holder", "plan_regional_potential", "plan_raw_materials", "plan_skills",
    "plan_marketing", "status", "status_changed_at", "activated_on", "maturity_level", "maturity_reason",
    "kur_bank", "kur_status", "created_at", "updated_at",
]  # fmt: skip
CHANGE_COLUMNS = ["kube_id", "from_status", "to_status", "actor_id", "at", "comment", "note", "note_params"]
MEMBERSHIP_COLUMNS = ["kube_id", "household_id", "role", "joined_on", "left_reason"]
GRANT_COLUMNS = ["kube_id", "amount", "disbursed_on", "transfer_reference", "stage", "recorded_by_id", "recorded_at"]
GRANT_COLUMNS += ["bank_name", "bank_account_number", "bank_account_holder"]
REPORT_COLUMNS = [
    "kube_id", "month", "revenue", "costs", "cash", "group_savings", "assets_value", "members_present", "hens",
    "eggs_produced_kg", "eggs_sold_kg", "notes", "created_at", "updated_at",
]  # fmt: skip


class _Actors:
    """The demo officer of the KUBE's region for each role; the national admin where none exists."""

    def __init__(self):
        admin = User.objects.filter(is_superuser=True).order_by("id").first()
        if admin is None:
            raise RuntimeError("No administrator: run `manage.py seed_demo` (it creates the demo logins first).")
        self.admin_id = admin.pk
        self.by_region = {
            (role, region): pk
            for pk, role, region in User.objects.filter(
                role__in=[Role.DINSOS_KABKOTA, Role.DINSOS_PROVINSI], is_active=True
            ).values_list("pk", "role", "region_id")
        }
        self.direktorat = {}
        for user in User.objects.filter(role=Role.DIREKTORAT, is_active=True).prefetch_related(
            "directorate_area__provinces"
        ):
            if user.directorate_area_id:
                for province in user.directorate_area.provinces.all():
                    self.direktorat.setdefault(province.code, user.pk)

    def for_step(self, status: str, kecamatan: str) -> int:
        role = STEP_ROLE[status]
        if role == Role.DIREKTORAT:
            return self.direktorat.get(kecamatan[:2], self.admin_id)
        region = kecamatan[:5] if role == Role.DINSOS_KABKOTA else kecamatan[:2]
        return self.by_region.get((role, region), self.admin_id)


def _unassigned_households() -> dict[str, list[int]]:
    """Active households outside any current KUBE membership, per kecamatan."""
    by_kecamatan: dict[str, list[int]] = defaultdict(list)
    households = (
        Household.objects.active()
        .exclude(Exists(Membership.objects.current().filter(household=OuterRef("pk"))))
        .order_by("region_code", "id")
        .values_list("id", "region_code")
    )
    for pk, region_code in households.iterator(chunk_size=20_000):
        by_kecamatan[region_code[:8]].append(pk)
    return by_kecamatan


def _groups(by_kecamatan: dict[str, list[int]], rng: random.Random):
    for kecamatan, households in by_kecamatan.items():
        start = 0
        while len(households) - start >= 5:
            left = len(households) - start
            size = rng.randint(8, 12)
            if left - size < 5:
                size = left  # no remainder too small for a group: at most 16, within the 20 allowed
            yield kecamatan, households[start : start + size]
            start += size


class _Seeder:
    def __init__(self, rng: random.Random, today: datetime.date):
        self.rng = rng
        self.today = today
        # The 24 complete months before this one, newest first: the report months of every KUBE.
        self.report_months = [month_start(today, -n) for n in range(1, 25)]
        self.now = timezone.now()
        self.actors = _Actors()
        self.programs = {p.code: p for p in Program.objects.filter(code__in=["reguler", "bekerja", "e-warong"])}
        fields = list(BusinessField.objects.filter(is_active=True))
        self.egg_field = next(f for f in fields if f.name == "Ternak ayam petelur")
        self.warong_field = next((f for f in fields if f.name == "e-Warong"), fields[0])
        self.reguler_fields = [f for f in fields if f not in (self.egg_field, self.warong_field)]
        self.amounts = {
            code: program.grant_amount_for(today.year) or 20_000_000 for code, program in self.programs.items()
        }
        self.kube, self.changes, self.memberships, self.grants, self.reports = [], [], [], [], []

    def _status(self) -> str:
        roll = self.rng.random()
        for status, share in STATUS_SHARES:
            if roll < share:
                return status
            roll -= share
        return Status.AKTIF

    def _program(self):
        roll = self.rng.random()
        if roll < 0.25:
            return self.programs["bekerja"], self.egg_field
        if roll < 0.4:
            return self.programs["e-warong"], self.warong_field
        return self.programs["reguler"], self.rng.choice(self.reguler_fields)

    def add(self, kube_id: int, number: str, kecamatan: str, households: list[int]) -> None:
        rng = self.rng
        status = self._status()
        program, field = self._program()
        path = PATHS[status]
        running = status in (Status.AKTIF, Status.NONAKTIF)
        # Active groups started 3–40 months ago; the others are still in the pipeline.
        if running:
            activated = self.today - datetime.timedelta(days=rng.randint(90, 1220))
            founded = activated - datetime.timedelta(days=rng.randint(90, 150))
        else:
            activated = None
            founded = self.today - datetime.timedelta(days=rng.randint(20, 150))
        step_days = max(1, (((activated or self.today) - founded).days - 1) // len(path))
        at = datetime.datetime.combine(founded, datetime.time(9, 0), tzinfo=datetime.UTC)
        previous = ""
        for step in path:
            if step == Status.AKTIF and activated:
                at = datetime.datetime.combine(activated, datetime.time(10, 0), tzinfo=datetime.UTC)
            # The system notes the first grant (the step to aktif) as a code with the transfer reference.
            first_grant = step == Status.AKTIF and activated
            self.changes.append(
                (
                    kube_id,
                    previous,
                    step,
                    self.actors.for_step(step, kecamatan),
                    at,
                    STEP_COMMENT.get(step, ""),
                    StatusNote.FIRST_GRANT if first_grant else "",
                    json.dumps({"reference": f"DEMO-SP2D-{kube_id}"} if first_grant else {}),
                )
            )
            previous = step
            at += datetime.timedelta(days=step_days)
        last_change = self.changes[-1][4]
        name = f"KUBE {rng.choice(NAMES)} {number[-5:].lstrip('0')}"
        account = (rng.choice(BANKS), f"{rng.randint(10**11, 10**12 - 1)}", name)
        self.kube.append(
            (
                kube_id,
                number,
                name,
                program.pk,
                field.business_type if field.business_type else BusinessType.PRODUKSI,
                field.pk,
                kecamatan,
                kecamatan,
                None,
                f"RT 00{rng.randint(1, 9)}/RW 00{rng.randint(1, 9)}",
                founded,
                *account,
                "Bahan baku dan pasar tersedia di kecamatan.",
                "Dibeli dari pemasok lokal.",
                "Anggota telah mengikuti pelatihan usaha.",
                "Dijual ke warga sekitar dan pasar desa.",
                status,
                last_change,
                activated,
                MaturityLevel.TUMBUH,
                "{}",
                "",
                "",
                self.now,
                self.now,
            )
        )
        roles = ["ketua", "sekretaris", "bendahara"] + ["anggota"] * (len(households) - 3)
        for household, role in zip(households, roles, strict=True):
            self.memberships.append((kube_id, household, role, founded, ""))
        if running:
            self.grants.append(
                (
                    kube_id,
                    self.amounts[program.code],
                    activated,
                    f"DEMO-SP2D-{kube_id}",
                    "sekaligus",
                    self.actors.for_step(Status.AKTIF, kecamatan),
                    self.now,
                    *account,  # paid to the KUBE's account
                )
            )
            self._reports(kube_id, program.code == "bekerja", activated, len(households), status)

    def _reports(self, kube_id: int, eggs: bool, activated: datetime.date, members: int, status: str) -> None:
        rng = self.rng
        first = month_start(activated, 1)  # the month after activation
        months = [month for month in self.report_months if month >= first]
        if status == Status.NONAKTIF:
            months = months[rng.randint(1, 4) :]  # reports stopped some months ago
        elif len(months) > 6 and rng.random() < 0.06:
            months = months[rng.randint(3, 6) :]  # an active group that stopped reporting: *tidak melapor*
        months.reverse()
        trend = rng.choice([-0.01, 0.0, 0.015, 0.03, 0.03])
        margin = rng.choice([0.72, 0.8, 0.88, 0.97])
        savings = 0
        base = rng.randint(25, 80) * 100_000
        hens = rng.randint(100, 250)
        for i, month in enumerate(months):
            growth = (1 + trend) ** i
            if eggs:
                alive = int(hens * (1 - 0.004 * i))
                produced = round(alive * 0.85 * 30 * 0.0625 * rng.uniform(0.9, 1.05), 1)
                sold = round(produced * rng.uniform(0.9, 0.99), 1)
                revenue = int(sold * EGG_PRICE_PER_KG)
                costs = int(alive * FEED_COST_PER_HEN * rng.uniform(0.95, 1.1) + 300_000)
                egg_cells = (alive, produced, sold)
            else:
                revenue = int(base * growth * rng.uniform(0.85, 1.15))
                costs = int(revenue * margin * rng.uniform(0.92, 1.08))
                egg_cells = (None, None, None)
            profit = revenue - costs
            savings += max(0, int(profit * 0.25))
            self.reports.append(
                (
                    kube_id,
                    month,
                    revenue,
                    costs,
                    max(0, int(profit * 0.4)) + 250_000,
                    savings,
                    15_000_000 + i * 150_000,
                    max(0, members - rng.randint(0, 3)),
                    *egg_cells,
                    "",
                    self.now,
                    self.now,
                )
            )

    def flush(self) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            copy_rows(cursor, "groups_kube", columns=KUBE_COLUMNS, rows=self.kube)
            copy_rows(cursor, "groups_kubestatuschange", columns=CHANGE_COLUMNS, rows=self.changes)
            copy_rows(cursor, "groups_membership", columns=MEMBERSHIP_COLUMNS, rows=self.memberships)
            copy_rows(cursor, "groups_grant", columns=GRANT_COLUMNS, rows=self.grants)
            copy_rows(cursor, "groups_businessreport", columns=REPORT_COLUMNS, rows=self.reports)
        self.kube, self.changes, self.memberships, self.grants, self.reports = [], [], [], [], []


def _reserve_numbers(groups: list[tuple[str, list[int]]]) -> list[str]:
    """Registration numbers from each kab/kota's sequence, reserved in one upsert per kab/kota."""
    per_kabkota: dict[str, int] = defaultdict(int)
    for kecamatan, _members in groups:
        per_kabkota[kecamatan[:5]] += 1
    next_number = {}
    table = KubeSequence._meta.db_table
    with connection.cursor() as cursor:
        for kabkota, count in per_kabkota.items():
            cursor.execute(
                f"INSERT INTO {table} (kabkota_code, last_number) VALUES (%s, %s) "  # noqa: S608 - our table name
                f"ON CONFLICT (kabkota_code) DO UPDATE SET last_number = {table}.last_number + EXCLUDED.last_number "
                "RETURNING last_number",
                [kabkota, count],
            )
            next_number[kabkota] = cursor.fetchone()[0] - count + 1
    numbers = []
    for kecamatan, _members in groups:
        kabkota = kecamatan[:5]
        numbers.append(f"KUBE-{kabkota.replace('.', '')}-{next_number[kabkota]:05d}")
        next_number[kabkota] += 1
    return numbers


def seed_kube(*, stdout=None, seed: int | None = None) -> int:
    """Form KUBE from the demo households still outside one; returns the number created."""
    started = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    today = timezone.localdate()
    groups = list(_groups(_unassigned_households(), rng))
    if not groups:
        if stdout is not None:
            stdout.write("KUBE: no households left to group.\n")
        return 0
    numbers = _reserve_numbers(groups)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('groups_kube', 'id')) FROM generate_series(1, %s)", [len(groups)]
        )
        ids = [row[0] for row in cursor.fetchall()]
    seeder = _Seeder(rng, today)
    for index, ((kecamatan, households), number, kube_id) in enumerate(zip(groups, numbers, ids, strict=True), 1):
        seeder.add(kube_id, number, kecamatan, households)
        if index % BATCH_KUBE == 0:
            seeder.flush()
            if stdout is not None:
                stdout.write(f"  KUBE {index:,}/{len(groups):,} ({time.perf_counter() - started:.0f} s)\n")
    seeder.flush()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE groups_kube")
        cursor.execute("ANALYZE groups_businessreport")
    counts = classify_all(as_of=today)
    # About a third of the Maju groups have been referred to a KUR bank.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE groups_kube SET kur_status = 'dirujuk', kur_bank = 'BRI', kur_amount = 50000000, "
            "kur_referred_on = %s WHERE id = ANY(%s) AND maturity_level = 'maju' AND kur_status = '' AND id %% 3 = 0",
            [today, ids],
        )
    if stdout is not None:
        stdout.write(
            f"KUBE: {len(groups):,} created in {time.perf_counter() - started:.1f} s; "
            f"maturity {counts['tumbuh']:,} tumbuh, {counts['berkembang']:,} berkembang, {counts['maju']:,} maju.\n"
        )
    return len(groups)
