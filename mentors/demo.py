"""Demo mentors for `manage.py seed_demo`: about one mentor per ten KUBE, a training batch,
assignments and 24 months of field visits with realistic gaps.

Every active (or paused) KUBE that has never had a mentor gets one: the KUBE of each
kabupaten/kota are dealt out to mentors of that kab/kota in runs of 8–10. Visits
follow each assignment every two to five weeks, with holidays and some groups left
behind (overdue). The demo login `pendamping.bandung` becomes the first mentor of Kota
Bandung. The batch *Bimbingan Pemantapan Pendamping KUBE Angkatan I 2020* gathers 244
participants from 28 kab/kota in 7 provinces (as far as those regions are loaded).
Visits go in with COPY; re-running only serves KUBE still without a mentor.
"""

import datetime
import random
import time
import uuid
from collections import defaultdict

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import Role, User
from groups.models import Kube, Membership, Status
from kube_portal.dates import add_months
from kube_portal.pgcopy import copy_rows
from mentors.models import (
    Assignment,
    Education,
    FieldVisit,
    Mentor,
    RecruitmentStatus,
    Topic,
    TrainingBatch,
    TrainingParticipation,
    TrainingResult,
    VisitStatus,
)
from regions.models import Level, Region

DEMO_LOGIN = "pendamping.bandung"
DEMO_KABKOTA = "32.73"
BATCH_NAME = "Bimbingan Pemantapan Pendamping KUBE Angkatan I 2020"
BATCH_PARTICIPANTS = 244
# Jawa Barat and six Sumatera provinces of Wilayah I, four kab/kota each.
BATCH_PROVINCES = ["32", "12", "11", "13", "14", "16", "18"]
BATCH_AREAS_PER_PROVINCE = 4
MONTHS_OF_VISITS = 24
VISIT_BATCH = 20_000

# Rough centres for plausible GPS points (the kecamatan polygons are not in the app).
CENTRES = {
    "32.73": (-6.9175, 107.6191),
    "32.05": (-7.2279, 107.9087),
    "32": (-6.9, 107.6),
    "12": (3.59, 98.67),
    "11": (5.55, 95.32),
    "13": (-0.95, 100.35),
    "14": (0.51, 101.45),
    "16": (-2.99, 104.76),
    "18": (-5.43, 105.26),
    "31": (-6.18, 106.83),
}
FIRST = ["Ahmad", "Siti", "Budi", "Dewi", "Rina", "Agus", "Yuni", "Hendra", "Nur", "Eko", "Wulan", "Dedi", "Lina",
         "Rudi", "Fitri", "Asep", "Euis", "Teguh", "Ratna", "Iwan", "Sri", "Bambang", "Yanti", "Fajar"]  # fmt: skip
LAST = ["Saputra", "Lestari", "Hidayat", "Rahmawati", "Nugroho", "Permata", "Kurniawan", "Susanti", "Siregar",
        "Nasution", "Harahap", "Pratama", "Wijaya", "Sari", "Gunawan", "Hakim", "Putri", "Setiawan"]  # fmt: skip
NOTES = [
    "Buku kas diperbarui bersama bendahara; saldo sesuai.",
    "Produksi stabil, bahan baku dibeli bersama dari pasar induk.",
    "Kelompok mencoba menjual lewat grup WhatsApp warga.",
    "Rapat anggota membahas pembagian tugas piket usaha.",
    "Tabungan kelompok disetor ke rekening bank.",
    "Pendampingan pencatatan stok barang dagangan.",
    "Membahas rencana menambah modal usaha dari sisa hasil usaha.",
]
PROBLEMS = [
    "Dua anggota belum menyetor iuran bulan ini.",
    "Harga bahan baku naik, margin menipis.",
    "Pembeli menunda pembayaran (piutang).",
    "Ketua kelompok sedang sakit; rapat ditunda.",
    "Sebagian ayam sakit, produksi telur turun.",
]
FOLLOW_UPS = [
    "Rapat anggota minggu depan untuk membahas iuran.",
    "Menghubungi dinas untuk pelatihan pemasaran.",
    "Membuat daftar piutang dan jadwal penagihan.",
    "Konsultasi dengan petugas kesehatan hewan.",
]
RETURN_COMMENTS = ["Foto kegiatan belum dilampirkan.", "Catatan usaha terlalu singkat; lengkapi angka penjualan."]
VISIT_COLUMNS = [
    "client_uuid", "mentor_id", "kube_id", "visited_on", "latitude", "longitude", "accuracy_m", "topics", "notes",
    "problems", "follow_up", "next_plan", "status", "review_comment", "reviewed_at", "created_at", "updated_at",
]  # fmt: skip


def _copy_visits(rows: list[list[object]]) -> None:
    with connection.cursor() as cursor:
        copy_rows(cursor, FieldVisit._meta.db_table, rows, columns=VISIT_COLUMNS)


class _Niks:
    """Valid, unique demo NIKs: kecamatan code, birth date (day + 40 for women), serial."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.taken = set(Mentor.objects.values_list("nik", flat=True))
        self.kecamatan: dict[str, str] = {}

    def _kecamatan_of(self, kabkota: str) -> str:
        if kabkota not in self.kecamatan:
            first = Region.objects.filter(parent_id=kabkota, level=Level.KECAMATAN).order_by("code").first()
            self.kecamatan[kabkota] = (first.code if first else f"{kabkota}.01").replace(".", "")
        return self.kecamatan[kabkota]

    def make(self, kabkota: str, female: bool) -> str:
        prefix = self._kecamatan_of(kabkota)
        while True:
            born = datetime.date(1975, 1, 1) + datetime.timedelta(days=self.rng.randrange(0, 9000))
            day = born.day + (40 if female else 0)
            nik = f"{prefix}{day:02d}{born:%m%y}{self.rng.randrange(1, 9999):04d}"
            if nik not in self.taken:
                self.taken.add(nik)
                return nik


def _name(rng: random.Random) -> tuple[str, bool]:
    first = rng.choice(FIRST)
    return f"{first} {rng.choice(LAST)}", first in {"Siti", "Dewi", "Rina", "Yuni", "Nur", "Wulan", "Lina", "Fitri",
                                                     "Euis", "Ratna", "Sri", "Yanti"}  # fmt: skip


def _months_back(today: datetime.date, months: int) -> datetime.date:
    # Day 28 at most, so that every month has it.
    return add_months(today.replace(day=min(today.day, 28)), -months)


def _new_mentors(areas: list[str], rng: random.Random, niks: _Niks, *, with_login: bool, status: str, since) -> list:
    """Mentors (and, when asked, their logins) for the given kab/kota codes, in bulk."""
    stamp = uuid.uuid4().hex[:6]
    users = []
    mentors = []
    unusable = make_password(None)
    for index, area in enumerate(areas):
        name, female = _name(rng)
        first, _sep, last = name.partition(" ")
        user = None
        if with_login:
            user = User(
                username=f"pdp.{area.replace('.', '')}.{stamp}{index}",
                first_name=first,
                last_name=last,
                role=Role.PENDAMPING,
                region_id=area,
                password=unusable,
            )
            users.append(user)
        mentors.append(
            Mentor(
                user=user,
                nik=niks.make(area, female),
                name=name,
                phone=f"08{rng.randrange(11, 99)}{rng.randrange(10_000_000, 99_999_999)}",
                education=rng.choice([Education.SMA, Education.D3, Education.S1, Education.S1, Education.S1]),
                work_area_id=area,
                region_code=area,
                status=status,
                contract_start=since,
                contract_end=datetime.date(timezone.localdate().year, 12, 31),
            )
        )
    User.objects.bulk_create(users, batch_size=2_000)
    return Mentor.objects.bulk_create(mentors, batch_size=2_000)


def _link_demo_login(first_bandung: Mentor | None) -> Mentor | None:
    """Give the demo mentor login the first mentor record of Kota Bandung."""
    login = User.objects.filter(username=DEMO_LOGIN, role=Role.PENDAMPING).first()
    if login is None or Mentor.objects.filter(user=login).exists() or first_bandung is None:
        return None
    placeholder = first_bandung.user
    first_bandung.user = login
    first_bandung.name = login.get_full_name() or first_bandung.name
    first_bandung.save(update_fields=["user", "name", "updated_at"])
    if placeholder is not None:
        placeholder.is_active = False
        placeholder.save(update_fields=["is_active"])
    return first_bandung


def _visit_rows(assignment_rows, rng: random.Random, today: datetime.date):
    """Visits every 2–5 weeks from each assignment's start; some groups fall behind."""
    tz = timezone.get_current_timezone()
    for mentor_id, kube_id, started_on, region_code in assignment_rows:
        centre = CENTRES.get(region_code[:5]) or CENTRES.get(region_code[:2])
        roll = rng.random()
        # 15% fell behind 35–120 days ago, 10% were never visited in the last 30–45 days.
        stop = today - datetime.timedelta(days=rng.randrange(35, 120)) if roll < 0.15 else today
        if 0.15 <= roll < 0.25:
            stop = today - datetime.timedelta(days=rng.randrange(31, 45))
        day = started_on + datetime.timedelta(days=rng.randrange(3, 20))
        while day <= stop:
            if rng.random() < 0.08:  # Lebaran, floods, a sick mentor: a long gap
                day += datetime.timedelta(days=rng.randrange(30, 60))
                continue
            age = (today - day).days
            if age > 30:
                status = VisitStatus.RETURNED if rng.random() < 0.03 else VisitStatus.VERIFIED
            else:
                status = VisitStatus.SUBMITTED
            located = centre is not None and rng.random() < 0.8
            lat = round(centre[0] + rng.uniform(-0.05, 0.05), 6) if located else None
            lng = round(centre[1] + rng.uniform(-0.05, 0.05), 6) if located else None
            topics = rng.sample(Topic.values[:8], rng.randrange(1, 4))
            problem = rng.random() < 0.3
            at = datetime.datetime.combine(day, datetime.time(16, rng.randrange(0, 60)), tzinfo=tz)
            yield [
                uuid.uuid4(),
                mentor_id,
                kube_id,
                day,
                lat,
                lng,
                rng.randrange(5, 60) if located else None,
                "{" + ",".join(topics) + "}",
                rng.choice(NOTES),
                rng.choice(PROBLEMS) if problem else "",
                rng.choice(FOLLOW_UPS) if problem else "",
                "Kunjungan berikutnya sekitar dua minggu lagi.",
                status,
                rng.choice(RETURN_COMMENTS) if status == VisitStatus.RETURNED else "",
                at + datetime.timedelta(days=2) if status != VisitStatus.SUBMITTED else None,
                at,
                at,
            ]
            day += datetime.timedelta(days=rng.randrange(14, 36))


def _seed_batch(rng: random.Random, niks: _Niks) -> tuple[TrainingBatch, int]:
    batch, _created = TrainingBatch.objects.get_or_create(
        name=BATCH_NAME,
        defaults={
            "organiser": "Direktorat Penanganan Fakir Miskin Wilayah I, Kementerian Sosial",
            "place": "Balai Besar Pendidikan dan Pelatihan Kesejahteraan Sosial, Bandung",
            "start_date": datetime.date(2020, 9, 14),
            "end_date": datetime.date(2020, 9, 18),
        },
    )
    missing = BATCH_PARTICIPANTS - batch.participations.count()
    if missing <= 0:
        return batch, 0
    mentor_areas = set(Mentor.objects.values_list("region_code", flat=True).distinct())
    areas: list[str] = []
    for province in BATCH_PROVINCES:
        candidates = list(
            Region.objects.current()
            .filter(level=Level.KABKOTA, parent_id=province)
            .order_by("code")
            .values_list("code", flat=True)
        )
        # Kab/kota that already have mentors first, so the batch and the assignments meet.
        candidates.sort(key=lambda code: (code not in mentor_areas, code != DEMO_KABKOTA, code))
        areas += candidates[:BATCH_AREAS_PER_PROVINCE]
    if not areas:
        return batch, 0
    quota = [missing // len(areas) + (1 if i < missing % len(areas) else 0) for i in range(len(areas))]
    taken = set(batch.participations.values_list("mentor_id", flat=True))
    rows = []
    for area, wanted in zip(areas, quota, strict=True):
        existing = list(
            Mentor.objects.filter(region_code=area)
            .exclude(pk__in=taken)
            .order_by("id")
            .values_list("pk", flat=True)[:wanted]
        )
        extra = _new_mentors(
            [area] * (wanted - len(existing)),
            rng,
            niks,
            with_login=False,
            status=RecruitmentStatus.NONAKTIF,
            since=datetime.date(2020, 10, 1),
        )
        for mentor_id in existing + [m.pk for m in extra]:
            attended = rng.random() < 0.97
            result = (
                (TrainingResult.LULUS if rng.random() < 0.95 else TrainingResult.TIDAK_LULUS)
                if attended
                else TrainingResult.BELUM
            )
            rows.append(TrainingParticipation(batch=batch, mentor_id=mentor_id, attended=attended, result=result))
    TrainingParticipation.objects.bulk_create(rows, batch_size=2_000)
    return batch, len(rows)


@transaction.atomic
def seed_mentors(*, stdout=None, seed: int | None = None) -> int:
    """Mentors for the KUBE still without one, their visits, and the 2020 batch; returns mentors created."""
    started = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    today = timezone.localdate()
    niks = _Niks(rng)
    ever_assigned = Assignment.objects.filter(kube=OuterRef("pk"))
    waiting = (
        Kube.objects.filter(status__in=[Status.AKTIF, Status.NONAKTIF])
        .exclude(Exists(ever_assigned))
        .order_by("region_code", "id")
        .values_list("pk", "region_code", "activated_on", "founded_on")
    )
    by_area: dict[str, list[tuple]] = defaultdict(list)
    for row in waiting:
        by_area[row[1][:5]].append(row)
    # Deal each kab/kota's KUBE out in runs of 8–10 (under the caseload cap of 10).
    plan: list[tuple[str, list[tuple]]] = []
    for area in sorted(by_area, key=lambda code: (code != DEMO_KABKOTA, code)):
        kubes = by_area[area]
        while kubes:
            size = rng.randrange(8, 11)
            plan.append((area, kubes[:size]))
            kubes = kubes[size:]
    earliest = _months_back(today, MONTHS_OF_VISITS)
    mentors = _new_mentors(
        [area for area, _kubes in plan],
        rng,
        niks,
        with_login=True,
        status=RecruitmentStatus.AKTIF,
        since=earliest,
    )
    first_bandung = next((m for m in mentors if m.region_code == DEMO_KABKOTA), None)
    demo = _link_demo_login(first_bandung)
    admin = User.objects.filter(is_superuser=True).order_by("id").first() or User.objects.order_by("id").first()
    assignments = []
    for mentor, (_area, kubes) in zip(mentors, plan, strict=True):
        for kube_id, _region_code, activated_on, founded_on in kubes:
            begun = activated_on or founded_on or earliest
            assignments.append(
                Assignment(
                    mentor=mentor,
                    kube_id=kube_id,
                    started_on=min(max(begun, earliest), today),
                    created_by=admin,
                )
            )
    Assignment.objects.bulk_create(assignments, batch_size=5_000)
    regions = {kube_id: region for _area, kubes in plan for kube_id, region, _a, _f in kubes}
    rows = []
    visit_count = 0
    for row in _visit_rows(
        ((a.mentor_id, a.kube_id, a.started_on, regions[a.kube_id]) for a in assignments), rng, today
    ):
        rows.append(row)
        if len(rows) >= VISIT_BATCH:
            _copy_visits(rows)
            visit_count += len(rows)
            rows = []
    if rows:
        _copy_visits(rows)
        visit_count += len(rows)
    if demo is not None:
        _members_present_for(demo)
    batch, participants = _seed_batch(rng, niks)
    if stdout is not None:
        stdout.write(
            f"Mentors: {len(mentors):,} created with {len(assignments):,} assignments and {visit_count:,} visits "
            f"in {time.perf_counter() - started:.1f} s; {batch.name}: {participants} participants added"
            + (f"; {DEMO_LOGIN} linked to {demo.name}" if demo else "")
            + ".\n"
        )
    return len(mentors)


def _members_present_for(mentor: Mentor) -> None:
    """Tick most members present on the demo mentor's visits (the others stay without the list)."""
    through = FieldVisit.members_present.through
    visits = FieldVisit.objects.filter(mentor=mentor).values_list("pk", "kube_id")
    members: dict[int, list[int]] = defaultdict(list)
    for kube_id, household_id in Membership.objects.filter(
        kube__in=mentor.assignments.values("kube_id"), left_on__isnull=True
    ).values_list("kube_id", "household_id"):
        members[kube_id].append(household_id)
    rng = random.Random(mentor.pk)  # noqa: S311 - demo data
    rows = [
        through(fieldvisit_id=visit_id, household_id=household_id)
        for visit_id, kube_id in visits
        for household_id in members[kube_id]
        if rng.random() < 0.8
    ]
    through.objects.bulk_create(rows, batch_size=5_000)
