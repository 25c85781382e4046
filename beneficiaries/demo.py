"""Demo KPM households for `manage.py seed_demo --households N`.

Households land in real villages, spread over the provinces in proportion to their
population (2020 census, millions); members carry NIKs consistent with their sex and
birth date. Rows go in with COPY and one INSERT ... SELECT per batch, so a million
households take minutes.

Re-running tops the register up to N households in total: it adds `N - existing`
households (none when the register already holds N). Numbers that happen to collide with
registered ones are skipped by ON CONFLICT DO NOTHING, and the next batch makes up for
them. The audit trail's triggers record the demo rows too; seed_demo marks them as demo data.
"""

import datetime
import random
import time

from django.db import connection, transaction

from beneficiaries.models import Household, normalize_name
from kube_portal.pgcopy import copy_rows
from regions.models import Level, Region

BATCH = 50_000

POPULATION_MILLIONS = {
    "11": 5.3, "12": 14.8, "13": 5.5, "14": 6.4, "15": 3.5, "16": 8.5, "17": 2.0, "18": 9.0,
    "19": 1.5, "21": 2.1, "31": 10.6, "32": 48.3, "33": 36.5, "34": 3.7, "35": 40.7, "36": 11.9,
    "51": 4.3, "52": 5.3, "53": 5.3, "61": 5.4, "62": 2.7, "63": 4.1, "64": 3.8, "65": 0.7,
    "71": 2.6, "72": 3.0, "73": 9.1, "74": 2.6, "75": 1.2, "76": 1.4, "81": 1.8, "82": 1.3,
    "91": 1.1, "92": 0.6, "93": 0.5, "94": 1.4, "95": 1.4, "96": 0.6,
}  # fmt: skip

MALE = ["Asep", "Agus", "Budi", "Dedi", "Eko", "Hendra", "Iwan", "Joko", "Rudi", "Slamet", "Ujang", "Yusuf",
        "Ahmad", "Bambang", "Darmawan", "Fajar", "Gunawan", "Hasan", "Irfan", "Made", "Nyoman", "Rahmat"]  # fmt: skip
FEMALE = ["Siti", "Sri", "Dewi", "Euis", "Neneng", "Rina", "Wati", "Yanti", "Nur", "Ratna", "Lilis", "Tuti",
          "Aminah", "Fitri", "Kartini", "Lestari", "Maryam", "Nining", "Putri", "Ayu", "Ketut", "Wayan"]  # fmt: skip
FAMILY = ["Suryana", "Hidayat", "Rahmawati", "Sopandi", "Kurniawan", "Saputra", "Nurhayati", "Siregar", "Nasution",
          "Harahap", "Simanjuntak", "Wibowo", "Santoso", "Susanto", "Pratama", "Wijaya", "Setiawan", "Lubis"]  # fmt: skip
EDUCATION = ["Tidak sekolah", "SD", "SD", "SMP", "SMP", "SMA", "SMA", "D3", "S1"]
OCCUPATION = ["Buruh harian", "Petani", "Pedagang", "Nelayan", "Ibu rumah tangga", "Tidak bekerja", "Ojek", "Tukang"]

HOUSEHOLD_COLUMNS = [
    "no_kk", "village_id", "region_code", "address", "rt", "rw", "is_urban", "desil", "receives_pkh",
    "receives_bpnt", "receives_pbi_jk", "phone",
]  # fmt: skip
MEMBER_COLUMNS = [
    "no_kk", "nik", "name", "name_normalized", "sex", "birth_date", "relationship", "has_disability",
    "is_pregnant", "education", "occupation",
]  # fmt: skip


def _villages_by_province(within: str = "") -> dict[str, list[str]]:
    villages: dict[str, list[str]] = {}
    codes = Region.objects.current().filter(level=Level.VILLAGE, code__startswith=within)
    for code in codes.values_list("code", flat=True).iterator():
        villages.setdefault(code[:2], []).append(code)
    return villages


class _Generator:
    def __init__(self, seed: int, within: str = ""):
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
        self.villages = _villages_by_province(within)
        provinces = [code for code in POPULATION_MILLIONS if code in self.villages]
        if not provinces:
            raise RuntimeError("No villages loaded: run `manage.py load_regions` first.")
        self.provinces = provinces
        self.weights = [POPULATION_MILLIONS[code] for code in provinces]
        self.kks: set[str] = set()
        self.niks: set[str] = set()
        self.today = datetime.date.today()  # noqa: DTZ011 - a calendar date for birth years

    def _nik(self, district: str, born: datetime.date, sex: str) -> str:
        day = born.day + (40 if sex == "P" else 0)
        prefix = f"{district}{day:02d}{born:%m%y}"
        while True:
            nik = f"{prefix}{self.rng.randrange(1, 10000):04d}"
            if nik not in self.niks:
                self.niks.add(nik)
                return nik

    def _born(self, age_from: int, age_to: int) -> datetime.date:
        year = self.today.year - self.rng.randint(age_from, age_to)
        return datetime.date(year, self.rng.randint(1, 12), self.rng.randint(1, 28))

    def household(self, households: list, members: list) -> None:
        rng = self.rng
        province = rng.choices(self.provinces, self.weights)[0]
        village = rng.choice(self.villages[province])
        district = village.replace(".", "")[:6]
        while True:
            issued = datetime.date(rng.randint(2005, 2025), rng.randint(1, 12), rng.randint(1, 28))
            no_kk = f"{district}{issued:%d%m%y}{rng.randrange(1, 10000):04d}"
            if no_kk not in self.kks:
                self.kks.add(no_kk)
                break
        urban = village[9] == "1"
        programs = rng.random() < 0.45, rng.random() < 0.7, rng.random() < 0.8
        households.append(
            [
                no_kk, village, village, f"Jl. {rng.choice(FAMILY)} No. {rng.randint(1, 200)}",
                f"{rng.randint(1, 15):03d}", f"{rng.randint(1, 12):03d}", urban,
                rng.randint(1, 5) if rng.random() < 0.8 else None, *programs,
                f"08{rng.randint(11, 99)}{rng.randrange(10**7, 10**8)}" if rng.random() < 0.6 else "",
            ]
        )  # fmt: skip
        family = rng.choice(FAMILY)
        head_sex = "P" if rng.random() < 0.15 else "L"
        head_born = self._born(25, 70)
        people = [(head_sex, head_born, "kepala")]
        if head_sex == "L" and rng.random() < 0.85:
            people.append(("P", self._born(max(20, self.today.year - head_born.year - 8), 65), "istri"))
        youngest_parent = min(self.today.year - born.year for _sex, born, _rel in people)
        for _child in range(rng.choice([0, 1, 1, 2, 2, 2, 3, 3, 4])):
            people.append((rng.choice("LP"), self._born(0, max(0, min(youngest_parent - 18, 30))), "anak"))
        if rng.random() < 0.1:
            people.append((rng.choice("LP"), self._born(65, 90), "orang_tua"))
        for sex, born, relationship in people:
            first = rng.choice(MALE if sex == "L" else FEMALE)
            name = f"{first} {family}" if relationship != "orang_tua" else f"{first} {rng.choice(FAMILY)}"
            age = self.today.year - born.year
            members.append(
                [
                    no_kk, self._nik(district, born, sex), name, normalize_name(name), sex, born, relationship,
                    rng.random() < 0.03, sex == "P" and 19 <= age <= 40 and rng.random() < 0.06,
                    rng.choice(EDUCATION) if age >= 7 else "", rng.choice(OCCUPATION) if age >= 17 else "",
                ]
            )  # fmt: skip


@transaction.atomic
def _insert(households: list, members: list, within: str = "") -> int:
    """Insert a batch; returns the number of households now in the register (inside `within`)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("DROP TABLE IF EXISTS demo_household, demo_member")
        cursor.execute(
            "CREATE TEMP TABLE demo_household (no_kk varchar(16), village_id varchar(13), region_code varchar(13), "
            "address varchar(255), rt varchar(3), rw varchar(3), is_urban boolean, desil smallint, "
            "receives_pkh boolean, receives_bpnt boolean, receives_pbi_jk boolean, phone varchar(20)) ON COMMIT DROP"
        )
        cursor.execute(
            "CREATE TEMP TABLE demo_member (no_kk varchar(16), nik varchar(16), name varchar(150), "
            "name_normalized varchar(150), sex varchar(1), birth_date date, relationship varchar(10), "
            "has_disability boolean, is_pregnant boolean, education varchar(50), occupation varchar(100)) "
            "ON COMMIT DROP"
        )
        copy_rows(cursor, "demo_household", households)
        copy_rows(cursor, "demo_member", members)
        cursor.execute("ANALYZE demo_household")
        cursor.execute("ANALYZE demo_member")
        cursor.execute(
            f"""
            WITH inserted AS (
              INSERT INTO beneficiaries_household ({", ".join(HOUSEHOLD_COLUMNS)}, head_name, is_active,
                deactivation_reason, deactivation_note, created_at, updated_at)
              -- head_name: what HouseholdQuerySet.refresh_head_name() would write, joined here in the batch.
              SELECT {", ".join("d." + c for c in HOUSEHOLD_COLUMNS)}, coalesce(head.name, ''), TRUE, '', '', now(), now()
              FROM demo_household d
              LEFT JOIN demo_member head ON head.no_kk = d.no_kk AND head.relationship = 'kepala'
              ON CONFLICT (no_kk) DO NOTHING
              RETURNING id, no_kk
            )
            INSERT INTO beneficiaries_member (household_id, {", ".join(MEMBER_COLUMNS[1:])}, created_at, updated_at)
            SELECT i.id, {", ".join("m." + c for c in MEMBER_COLUMNS[1:])}, now(), now()
            FROM inserted i JOIN demo_member m ON m.no_kk = i.no_kk
            ON CONFLICT DO NOTHING
            """  # noqa: S608 - column names are constants
        )
        cursor.execute("SELECT count(*) FROM beneficiaries_household WHERE region_code LIKE %s", [within + "%"])
        return cursor.fetchone()[0]


def seed_households(count: int, *, stdout=None, seed: int | None = None, within: str = "") -> int:
    """Top the register up to `count` households (inside the region `within`, if given).

    Returns how many were added. Without `within`, households spread over the provinces
    weighted by population.
    """
    started = time.monotonic()
    existing = Household.objects.filter(region_code__startswith=within).count()
    if existing >= count:
        if stdout:
            stdout.write(
                f"The register already holds {existing:,} households{f' in {within}' if within else ''}; nothing added.\n"
            )
        return 0
    generator = _Generator(seed if seed is not None else existing, within)
    total = existing
    while total < count:
        households: list = []
        members: list = []
        # Numbers are kept unique within a batch; across batches ON CONFLICT skips the rare repeat.
        generator.kks.clear()
        generator.niks.clear()
        for _index in range(min(BATCH, count - total)):
            generator.household(households, members)
        before, total = total, _insert(households, members, within)
        if total == before:  # every number collided: give up rather than loop
            break
        if stdout:
            stdout.write(f"  {total:,} / {count:,} households ({time.monotonic() - started:.0f} s)\n")
    added = total - existing
    if stdout:
        stdout.write(f"Added {added:,} demo households in {time.monotonic() - started:.0f} s.\n")
    return added
