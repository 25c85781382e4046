"""Every readiness rule of DESIGN.md section 4 at its boundaries, through both engines.

Each case builds one household in Kabupaten Garut (rural; national rural line of March 2025:
Rp 580,349, so 1.5 × = Rp 870,523.5 per capita), runs the nightly SQL for Jawa Barat and the
Python engine, and expects the same verdicts, state, score and alamiah flag from both.
The run date is 1 June 2026.
"""

import datetime

import pytest

from beneficiaries.tests.factories import MemberFactory
from graduation import readiness
from graduation.models import Area, GraduationStatus, PovertyLine
from graduation.recompute import recompute_graduation
from graduation.tests.helpers import RUN_DATE, assess, garut_household, join, kube_at_level
from groups.models import MaturityLevel

pytestmark = pytest.mark.django_db

MET, NOT, UNKNOWN = "met", "not_met", "unknown"


def readiness_both(household) -> GraduationStatus:
    recompute_graduation(province="32", run_date=RUN_DATE)
    stored = GraduationStatus.objects.get(household=household)
    python = readiness.compute([household.pk], run_date=RUN_DATE)[household.pk]
    assert (stored.state, stored.score, stored.alamiah_candidate, stored.needs_assessment) == (
        python.state,
        python.score,
        python.alamiah_candidate,
        python.needs_assessment,
    )
    assert (stored.explanation, stored.inputs) == (python.explanation, python.inputs)
    return stored


def verdicts(status: GraduationStatus) -> dict[str, str]:
    return {key: status.explanation[key]["verdict"] for key in ("income", "kube", "assets", "desil")}


def with_income(income: int, members: int = 1, **assessment):
    def build():
        household = garut_household(members=members)
        assess(household, income=income, **assessment)
        return household

    return build


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        # 1.5 × Rp 580,349 = Rp 870,523.5 per capita
        (with_income(1_741_047, members=2), MET),  # exactly 1.5 × the line per capita
        (with_income(1_741_046, members=2), NOT),  # one rupiah below
        (with_income(870_524), MET),
        (with_income(870_523), NOT),
    ],
    ids=["exactly 1.5x", "one rupiah below", "one member, rounded up", "one member, below"],
)
def test_income_per_capita_at_one_and_a_half_poverty_lines(regions, build, expected):
    assert verdicts(readiness_both(build()))["income"] == expected


@pytest.mark.parametrize(("income", "expected"), [(750_000, MET), (749_999, NOT)])
def test_income_against_a_provincial_line_exactly(regions, income, expected):
    PovertyLine.objects.create(province_id="32", area=Area.RURAL, period=datetime.date(2025, 9, 1), amount=500_000)
    household = with_income(income)()
    status = readiness_both(household)
    assert verdicts(status)["income"] == expected
    assert status.explanation["income"]["line"]["province"] == "32"


def test_a_line_published_after_the_run_date_is_not_used(regions):
    PovertyLine.objects.create(province_id="32", area=Area.RURAL, period=datetime.date(2026, 9, 1), amount=100_000)
    status = readiness_both(with_income(800_000)())
    assert verdicts(status)["income"] == NOT
    assert status.explanation["income"]["line"]["province"] is None


@pytest.mark.parametrize(
    ("savings", "assets", "expected"),
    [
        (5_000_000, 0, MET),  # savings exactly at the threshold
        (0, 5_000_000, MET),  # productive assets exactly at the threshold
        (4_999_999, 4_999_999, NOT),  # each one rupiah below
    ],
)
def test_savings_or_assets_at_least_the_threshold(regions, savings, assets, expected):
    household = garut_household()
    assess(household, savings=savings, assets=assets)
    assert verdicts(readiness_both(household))["assets"] == expected


KUBE_CASES = {
    # (level, joined, left, KUBE status, expected)
    "exactly 12 months": (MaturityLevel.BERKEMBANG, datetime.date(2025, 6, 1), None, "aktif", MET),
    "11 months 30 days": (MaturityLevel.BERKEMBANG, datetime.date(2025, 6, 2), None, "aktif", NOT),
    "leaving date in the future still counts": (
        MaturityLevel.BERKEMBANG,
        datetime.date(2025, 1, 1),
        datetime.date(2026, 6, 2),
        "aktif",
        MET,
    ),
    "left on the run date": (
        MaturityLevel.BERKEMBANG,
        datetime.date(2025, 1, 1),
        datetime.date(2026, 6, 1),
        "aktif",
        NOT,
    ),
    "Maju counts": (MaturityLevel.MAJU, datetime.date(2025, 1, 1), None, "aktif", MET),
    "Tumbuh does not": (MaturityLevel.TUMBUH, datetime.date(2020, 1, 1), None, "aktif", NOT),
    "a KUBE no longer active does not": (MaturityLevel.BERKEMBANG, datetime.date(2020, 1, 1), None, "nonaktif", NOT),
    "joined after the run date": (MaturityLevel.BERKEMBANG, datetime.date(2026, 6, 2), None, "aktif", NOT),
}


@pytest.mark.parametrize(("level", "joined", "left", "status", "expected"), KUBE_CASES.values(), ids=KUBE_CASES.keys())
def test_kube_membership_at_its_boundaries(regions, level, joined, left, status, expected):
    from groups.models import Kube

    household = garut_household()
    kube = kube_at_level(level)
    recompute_graduation(province="32", run_date=RUN_DATE)  # classifies the KUBE from its reports
    Kube.objects.filter(pk=kube.pk).update(status=status)
    join(household, kube, on=joined, left_on=left)
    assert verdicts(readiness_both(household))["kube"] == expected


def test_any_one_qualifying_membership_is_enough(regions):
    household = garut_household()
    join(household, kube_at_level(MaturityLevel.MAJU), on=datetime.date(2026, 3, 1))  # Maju, but 3 months
    join(household, kube_at_level(MaturityLevel.BERKEMBANG), on=datetime.date(2025, 4, 1))  # 14 months
    status = readiness_both(household)
    item = status.explanation["kube"]
    assert (item["verdict"], item["level"], item["value"]) == (MET, "berkembang", 14)


@pytest.mark.parametrize(("desil", "expected"), [(5, MET), (4, NOT), (None, UNKNOWN)])
def test_desil_above_four_where_known(regions, desil, expected):
    household = garut_household(desil=desil)
    assess(household)
    assert verdicts(readiness_both(household))["desil"] == expected


@pytest.mark.parametrize(
    ("desil", "member_of_kube", "state", "score"),
    [
        (9, False, "menuju", 25),  # desil met; income, assets, KUBE not: 1 of 4, never 100
        (None, False, "belum", 0),  # nothing met of 3 counted
        (None, True, "menuju", 33),  # KUBE met: 1 of 3
        (9, True, "menuju", 50),
    ],
)
def test_no_assessment_income_and_assets_not_met_and_flagged(regions, desil, member_of_kube, state, score):
    household = garut_household(desil=desil)
    if member_of_kube:
        join(household, kube_at_level(), on=datetime.date(2025, 1, 1))
    status = readiness_both(household)
    assert (status.state, status.score, status.needs_assessment) == (state, score, True)
    assert (verdicts(status)["income"], verdicts(status)["assets"]) == (NOT, NOT)


def test_all_counted_criteria_met_is_siap_with_desil_unknown_left_out(regions):
    household = garut_household()
    assess(household, income=1_000_000, savings=5_000_000)
    join(household, kube_at_level(), on=datetime.date(2025, 6, 1))
    status = readiness_both(household)
    assert (status.state, status.score, status.needs_assessment) == ("siap", 100, False)


ALAMIAH_CASES = {
    "PKH, adults only": (True, [{"birth_date": datetime.date(1980, 1, 1)}], True),
    "no PKH, adults only (no eligible member)": (False, [{"birth_date": datetime.date(1980, 1, 1)}], False),
    "PKH, a child of 5": (True, [{"birth_date": datetime.date(2020, 6, 2)}], False),
    "PKH, 22 on the run date": (True, [{"birth_date": datetime.date(2004, 6, 1)}], True),
    "PKH, 21 (school age)": (True, [{"birth_date": datetime.date(2004, 6, 2)}], False),
    "PKH, 60 on the run date": (True, [{"birth_date": datetime.date(1966, 6, 1)}], False),
    "PKH, pregnant": (True, [{"birth_date": datetime.date(1990, 1, 1), "sex": "P", "is_pregnant": True}], False),
    "PKH, disability": (True, [{"birth_date": datetime.date(1990, 1, 1), "has_disability": True}], False),
    "PKH, no members": (True, [], False),
}


@pytest.mark.parametrize(("pkh", "members", "expected"), ALAMIAH_CASES.values(), ids=ALAMIAH_CASES.keys())
def test_alamiah_only_for_pkh_recipients_without_eligible_members(regions, pkh, members, expected):
    from beneficiaries.tests.factories import HouseholdFactory
    from groups.tests.factories import GARUT_KECAMATAN

    household = HouseholdFactory(village_id=f"{GARUT_KECAMATAN}.1001", is_urban=False, receives_pkh=pkh)
    for index, member in enumerate(members):
        MemberFactory(household=household, relationship="kepala" if index == 0 else "lainnya", **member)
    assert readiness_both(household).alamiah_candidate is expected
