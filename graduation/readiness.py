"""The graduation readiness rules, in plain Python: the engine for one household (or a few).

The nightly run (`graduation/recompute.py`) applies the same rules set-based in SQL; this
engine recomputes a household live when its assessment, memberships or members change
(`graduation.services.readiness_recompute`). A property test
(graduation/tests/test_readiness_engines.py) holds the two to identical results: state, score,
alamiah, every verdict, the explanation and the stored inputs.

Per active household, on the run date, each criterion separately (thresholds from the active
`CriteriaSet`; DESIGN.md section 4):

- *income*: latest assessment (up to the run date) monthly household income ÷ members
  ≥ `income_multiple` × the household's poverty line (the latest line of its province and
  urban/rural area up to the run date, else the latest national line of its area);
- *kube*: a membership, for ≥ `min_kube_months` whole months, of an *aktif* KUBE whose current
  level is at least `min_kube_level`; a membership counts from its joining date and while its
  leaving date is empty or still after the run date; any one qualifying membership is enough;
- *assets*: savings **or** productive assets of the latest assessment at least `assets_threshold`;
- *desil*: DTSEN desil > `desil_threshold`; an unknown desil is left out of the count.

Without an assessment, income and assets are *not met* (no evidence) and the household is
flagged `needs_assessment`. All counted criteria met → siap, some → menuju, none → belum;
score = met × 100 ÷ counted, rounded down. *Graduasi alamiah* candidate: a household that
receives PKH and has members, none of whom makes it eligible for PKH any more (a child under 6,
a school-age child 6–21, a pregnant woman, an elderly member 60 or older, a member with a
disability: the register records disability as one flag, so every recorded one counts).

The explanation is codes and numbers only (JSON), worded by `graduation.templatetags.readiness`
in the reader's language.
"""

import datetime
import functools
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from beneficiaries.models import Household, Member
from graduation.models import LEVEL_RANK, CriteriaSet, HouseholdAssessment, PovertyLine, Readiness, Verdict
from groups.models import Membership, Status
from kube_portal.dates import months_between, years_before

#: Day 0 of the assessment-date number in `inputs` (any fixed day; the SQL uses the same).
EPOCH = datetime.date(2000, 1, 1)
#: A qualifying membership ranks above any other: qualifies × 1,000,000 + level rank × 10,000 + months.
QUALIFIES, RANK = 1_000_000, 10_000
PKH_COMPONENTS = ("under_6", "school_age", "pregnant", "elderly", "disabled")


def age_bounds(run_date: datetime.date) -> dict[str, datetime.date]:
    """Birth-date limits for the PKH components on the run date (SQL parameters too)."""
    after_6, after_22, by_60 = _age_bounds(run_date)
    return {
        # born after this: younger than 6
        "born_after_6": after_6,
        # born after this: younger than 22, i.e. at most 21
        "born_after_22": after_22,
        # born on or before this: 60 or older
        "born_by_60": by_60,
    }


@functools.lru_cache(maxsize=16)
def _age_bounds(run_date: datetime.date) -> tuple[datetime.date, datetime.date, datetime.date]:
    # Every household of a run asks for the same day's bounds; relativedelta costs tens of µs a call.
    return years_before(run_date, 6), years_before(run_date, 22), years_before(run_date, 60)


@dataclass
class MemberFacts:
    birth_date: datetime.date
    is_pregnant: bool
    has_disability: bool


@dataclass
class Assessment:
    assessed_on: datetime.date
    monthly_income: int
    savings: int
    productive_assets: int


@dataclass
class Line:
    id: int
    amount: int
    province: str | None
    area: str
    period: datetime.date


@dataclass
class Facts:
    household_id: int
    region_code: str
    is_urban: bool
    desil: int | None
    receives_pkh: bool
    members: list[MemberFacts] = field(default_factory=list)
    #: The latest assessment up to the run date.
    assessment: Assessment | None = None
    #: (level rank, whole months) of every membership of an active KUBE current on the run date.
    memberships: list[tuple[int, int]] = field(default_factory=list)

    @property
    def province_code(self) -> str:
        return self.region_code[:2]


@dataclass(frozen=True)
class Result:
    region_code: str
    state: str
    score: int
    alamiah_candidate: bool
    needs_assessment: bool
    verdicts: dict[str, str]
    explanation: dict
    #: Every input of the result, as the SQL run stores them (a row is rewritten only when they change).
    inputs: list[int | None]


def _components(members: list[MemberFacts], bounds: dict[str, datetime.date]) -> dict[str, int]:
    return {
        "under_6": sum(1 for m in members if m.birth_date > bounds["born_after_6"]),
        "school_age": sum(1 for m in members if bounds["born_after_22"] < m.birth_date <= bounds["born_after_6"]),
        "pregnant": sum(1 for m in members if m.is_pregnant),
        "elderly": sum(1 for m in members if m.birth_date <= bounds["born_by_60"]),
        "disabled": sum(1 for m in members if m.has_disability),
    }


def _best_membership(facts: Facts, criteria: CriteriaSet) -> int | None:
    """The membership shown: a qualifying one first, then the highest level, then the longest (one number)."""
    return max(
        (
            (rank >= criteria.min_kube_rank and months >= criteria.min_kube_months) * QUALIFIES + rank * RANK + months
            for rank, months in facts.memberships
        ),
        default=None,
    )


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def evaluate(facts: Facts, *, criteria: CriteriaSet, line: Line | None, run_date: datetime.date) -> Result:
    size = len(facts.members)
    a = facts.assessment
    threshold = criteria.assets_threshold
    income_met = (
        a is not None
        and size > 0
        and line is not None
        and Decimal(a.monthly_income) >= criteria.income_multiple * line.amount * size
    )
    best = _best_membership(facts, criteria)
    verdicts = {
        "income": Verdict.MET if income_met else Verdict.NOT_MET,
        "kube": Verdict.MET if best is not None and best >= QUALIFIES else Verdict.NOT_MET,
        "assets": Verdict.MET
        if a is not None and (a.savings >= threshold or a.productive_assets >= threshold)
        else Verdict.NOT_MET,
        "desil": Verdict.UNKNOWN
        if facts.desil is None
        else Verdict.MET
        if facts.desil > criteria.desil_threshold
        else Verdict.NOT_MET,
    }
    met = sum(1 for v in verdicts.values() if v == Verdict.MET)
    counted = sum(1 for v in verdicts.values() if v != Verdict.UNKNOWN)
    state = Readiness.BELUM if met == 0 else Readiness.SIAP if met == counted else Readiness.MENUJU
    components = _components(facts.members, age_bounds(run_date))
    alamiah = facts.receives_pkh and size > 0 and not any(components.values())
    rank, months = (None, None) if best is None else ((best % QUALIFIES) // RANK, best % RANK)
    level = {v: k for k, v in LEVEL_RANK.items()}.get(rank)
    explanation = {
        "assessment": {"date": a.assessed_on.isoformat() if a else None},
        "income": {
            "verdict": str(verdicts["income"]),
            "code": "no_assessment"
            if a is None
            else "no_members"
            if size == 0
            else "no_line"
            if line is None
            else "compared",
            # Per capita, rounded half up for display (the verdict compares exactly).
            "value": (a.monthly_income * 2 + size) // (2 * size) if a is not None and size > 0 else None,
            "threshold": _half_up(criteria.income_multiple * line.amount) if line else None,
            "members": size,
            "line": {
                "amount": line.amount,
                "province": line.province,
                "area": line.area,
                "period": line.period.isoformat(),
            }
            if line
            else None,
        },
        "kube": {
            "verdict": str(verdicts["kube"]),
            "code": "member" if best is not None else "no_membership",
            "value": months,
            "level": str(level) if level else None,
            "threshold": criteria.min_kube_months,
            "min_level": criteria.min_kube_level,
        },
        "assets": {
            "verdict": str(verdicts["assets"]),
            "code": "no_assessment"
            if a is None
            else "savings"
            if a.savings >= threshold
            else "assets"
            if a.productive_assets >= threshold
            else "below",
            "value": max(a.savings, a.productive_assets) if a else None,
            "savings": a.savings if a else None,
            "assets": a.productive_assets if a else None,
            "threshold": threshold,
        },
        "desil": {"verdict": str(verdicts["desil"]), "value": facts.desil, "threshold": criteria.desil_threshold},
        "alamiah": {"value": alamiah, "pkh": facts.receives_pkh, "members": size, **components},
    }
    inputs = [
        int(a is not None),
        a.monthly_income if a else None,
        a.savings if a else None,
        a.productive_assets if a else None,
        (a.assessed_on - EPOCH).days if a else None,
        size,
        *(components[key] for key in PKH_COMPONENTS),
        best,
        line.id if line else None,
        line.amount if line else None,
        facts.desil,
        int(facts.receives_pkh),
    ]
    return Result(
        region_code=facts.region_code,
        state=str(state),
        score=met * 100 // counted,
        alamiah_candidate=alamiah,
        needs_assessment=a is None,
        verdicts={key: str(value) for key, value in verdicts.items()},
        explanation=explanation,
        inputs=inputs,
    )


def load_facts(household_ids, *, run_date: datetime.date) -> dict[int, Facts]:
    """The inputs of the rules for these active households, read with the ORM (four queries)."""
    facts = {
        h["id"]: Facts(h["id"], h["region_code"], h["is_urban"], h["desil"], h["receives_pkh"])
        for h in Household.objects.filter(pk__in=household_ids, is_active=True).values(
            "id", "region_code", "is_urban", "desil", "receives_pkh"
        )
    }
    for m in Member.objects.filter(household_id__in=facts).values(
        "household_id", "birth_date", "is_pregnant", "has_disability"
    ):
        facts[m["household_id"]].members.append(MemberFacts(m["birth_date"], m["is_pregnant"], m["has_disability"]))
    for row in (
        HouseholdAssessment.objects.filter(household_id__in=facts, assessed_on__lte=run_date)
        .order_by("household_id", "-assessed_on", "-id")
        .distinct("household_id")
        .values("household_id", "assessed_on", "monthly_income", "savings", "productive_assets")
    ):
        household_id = row.pop("household_id")
        facts[household_id].assessment = Assessment(**row)
    current = Membership.objects.filter(household_id__in=facts, joined_on__lte=run_date, kube__status=Status.AKTIF)
    current = current.exclude(left_on__lte=run_date)  # a leaving date still in the future counts
    for household_id, joined_on, level in current.values_list("household_id", "joined_on", "kube__maturity_level"):
        facts[household_id].memberships.append((LEVEL_RANK[level], months_between(joined_on, run_date)))
    return facts


def lines_for(keys: set[tuple[str, bool]], *, run_date: datetime.date) -> dict[tuple[str, bool], Line | None]:
    """The poverty line of each (province code, urban) on the run date (PovertyLine.objects.applicable)."""
    lines = {}
    for province, is_urban in keys:
        line, _why = PovertyLine.objects.applicable(province_code=province, is_urban=is_urban, on=run_date)
        lines[(province, is_urban)] = (
            Line(line.pk, line.amount, line.province_id, line.area, line.period) if line else None
        )
    return lines


def compute(household_ids, *, run_date: datetime.date, criteria: CriteriaSet | None = None) -> dict[int, Result]:
    """Readiness of these (active) households on the run date by the Python engine."""
    criteria = criteria or CriteriaSet.objects.active()
    facts = load_facts(household_ids, run_date=run_date)
    lines = lines_for({(f.province_code, f.is_urban) for f in facts.values()}, run_date=run_date)
    return {
        household_id: evaluate(f, criteria=criteria, line=lines[(f.province_code, f.is_urban)], run_date=run_date)
        for household_id, f in facts.items()
    }
