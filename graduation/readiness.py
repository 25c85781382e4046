"""The graduation readiness rules, in plain Python.

The nightly run (`graduation/recompute.py`) applies the same rules set-based in SQL; the
tests and `bench/recompute.py` hold the two implementations to each other.

Per household, on the run date, each criterion separately (thresholds from the active
`CriteriaSet`):

- *income*: latest assessment's monthly household income / number of members
  ≥ `income_multiple` × the applicable poverty line (province + urban/rural, else national);
- *kube*: a current membership of an active KUBE whose level is at least `min_kube_level`,
  joined at least `min_kube_months` whole months ago (the level is the one the groups
  maturity classification wrote just before);
- *assets*: savings or productive assets of the latest assessment ≥ `assets_threshold`;
- *desil*: DTSEN desil > `desil_threshold`; unknown desil is not counted.

All counted criteria met → siap, some → menuju, none → belum; no assessment → belum.
The *graduasi alamiah* candidate flag: the household has members and none of them makes it
eligible for PKH: a child under 6, a school-age child (6–21), a pregnant woman, an elderly
member (60 or older) or a member with a disability (the register records disability as one
flag, so every recorded disability counts as severe).
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from beneficiaries.models import Household, Member
from graduation.models import LEVEL_RANK, CriteriaSet, PovertyLine, Readiness, Verdict
from groups.maturity import months_between
from groups.models import Membership, Status

SAMPLE_SIZE = 1000


def years_before(day: datetime.date, years: int) -> datetime.date:
    """`day` minus whole years as PostgreSQL's `date - interval 'N years'` does (29 Feb → 28 Feb)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_bounds(run_date: datetime.date) -> dict[str, datetime.date]:
    """Birth-date limits for the PKH components on the run date (SQL parameters too)."""
    return {
        # born after this: younger than 6
        "born_after_6": years_before(run_date, 6),
        # born after this: younger than 22, i.e. at most 21
        "born_after_22": years_before(run_date, 22),
        # born on or before this: 60 or older
        "born_by_60": years_before(run_date, 60),
    }


@dataclass
class MemberFacts:
    birth_date: datetime.date
    is_pregnant: bool
    has_disability: bool


@dataclass
class Facts:
    household_id: int
    province_code: str
    is_urban: bool
    desil: int | None
    members: list[MemberFacts] = field(default_factory=list)
    #: (monthly_income, savings, productive_assets) of the latest assessment up to the run date.
    assessment: tuple[int, int, int] | None = None
    #: (level rank, whole months since joining) of the best current active-KUBE membership.
    kube: tuple[int, int] | None = None


@dataclass(frozen=True)
class Result:
    state: str
    score: int
    alamiah_candidate: bool
    verdicts: dict[str, str]


def pkh_eligible(member: MemberFacts, bounds: dict[str, datetime.date]) -> bool:
    return (
        member.birth_date > bounds["born_after_22"]  # under 6, or school age 6–21
        or member.birth_date <= bounds["born_by_60"]
        or member.is_pregnant
        or member.has_disability
    )


def evaluate(facts: Facts, *, criteria: CriteriaSet, line_amount: int | None, run_date: datetime.date) -> Result:
    verdicts: dict[str, str] = {}
    size = len(facts.members)
    if facts.assessment is None:
        verdicts["income"] = verdicts["assets"] = Verdict.UNKNOWN
    else:
        income, savings, assets = facts.assessment
        income_met = (
            size > 0 and line_amount is not None and Decimal(income) >= criteria.income_multiple * line_amount * size
        )
        verdicts["income"] = Verdict.MET if income_met else Verdict.NOT_MET
        threshold = criteria.assets_threshold
        verdicts["assets"] = Verdict.MET if savings >= threshold or assets >= threshold else Verdict.NOT_MET
    kube_met = (
        facts.kube is not None and facts.kube[0] >= criteria.min_kube_rank and facts.kube[1] >= criteria.min_kube_months
    )
    verdicts["kube"] = Verdict.MET if kube_met else Verdict.NOT_MET
    if facts.desil is None:
        verdicts["desil"] = Verdict.UNKNOWN
    else:
        verdicts["desil"] = Verdict.MET if facts.desil > criteria.desil_threshold else Verdict.NOT_MET
    met = sum(1 for v in verdicts.values() if v == Verdict.MET)
    counted = sum(1 for v in verdicts.values() if v != Verdict.UNKNOWN)
    if facts.assessment is None or met == 0:
        state = Readiness.BELUM
    elif met == counted:
        state = Readiness.SIAP
    else:
        state = Readiness.MENUJU
    bounds = age_bounds(run_date)
    alamiah = size > 0 and not any(pkh_eligible(m, bounds) for m in facts.members)
    return Result(state, met * 100 // counted, alamiah, verdicts)


def load_facts(household_ids, *, run_date: datetime.date) -> dict[int, Facts]:
    """The inputs of the rules for these households, read with the ORM (a few queries in all)."""
    facts = {
        h["id"]: Facts(h["id"], h["region_code"][:2], h["is_urban"], h["desil"])
        for h in Household.objects.filter(pk__in=household_ids, is_active=True).values(
            "id", "region_code", "is_urban", "desil"
        )
    }
    for m in Member.objects.filter(household_id__in=facts).values(
        "household_id", "birth_date", "is_pregnant", "has_disability"
    ):
        facts[m["household_id"]].members.append(MemberFacts(m["birth_date"], m["is_pregnant"], m["has_disability"]))
    from graduation.models import HouseholdAssessment

    for a in (
        HouseholdAssessment.objects.filter(household_id__in=facts, assessed_on__lte=run_date)
        .order_by("household_id", "-assessed_on", "-id")
        .values("household_id", "monthly_income", "savings", "productive_assets")
    ):
        if facts[a["household_id"]].assessment is None:
            facts[a["household_id"]].assessment = (a["monthly_income"], a["savings"], a["productive_assets"])
    memberships = Membership.objects.filter(
        household_id__in=facts, left_on__isnull=True, kube__status=Status.AKTIF, joined_on__lte=run_date
    ).values("household_id", "joined_on", "kube__maturity_level")
    for ms in memberships:
        candidate = (LEVEL_RANK[ms["kube__maturity_level"]], months_between(ms["joined_on"], run_date))
        current = facts[ms["household_id"]].kube
        if current is None or candidate > current:
            facts[ms["household_id"]].kube = candidate
    return facts


def compute(household_ids, *, run_date: datetime.date, criteria: CriteriaSet | None = None) -> dict[int, Result]:
    """Readiness of these households by the Python rules (the reference for the SQL run)."""
    criteria = criteria or CriteriaSet.objects.active()
    lines: dict[tuple[str, bool], int | None] = {}
    results = {}
    for household_id, facts in load_facts(household_ids, run_date=run_date).items():
        key = (facts.province_code, facts.is_urban)
        if key not in lines:
            line, _why = PovertyLine.objects.applicable(province_code=key[0], is_urban=key[1], on=run_date)
            lines[key] = line.amount if line else None
        results[household_id] = evaluate(facts, criteria=criteria, line_amount=lines[key], run_date=run_date)
    return results
