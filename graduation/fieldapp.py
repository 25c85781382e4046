"""What graduation tells the mentor's field app (provided in GraduationConfig.ready())."""

import datetime

from django.db.models import Exists, OuterRef, QuerySet

from graduation.models import HouseholdAssessment
from kube_portal.dates import add_months

#: An assessment older than this no longer describes the household's income and savings.
ASSESSMENT_VALID_MONTHS = 12


def households_to_assess(households: QuerySet, *, today: datetime.date) -> QuerySet:
    """Households without an assessment in the last 12 months (readiness criteria 1 and 3 need one)."""
    recent = HouseholdAssessment.objects.filter(
        household=OuterRef("pk"), assessed_on__gt=add_months(today, -ASSESSMENT_VALID_MONTHS)
    )
    return households.filter(~Exists(recent))
