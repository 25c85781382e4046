"""The register's services apply the household rules themselves, for every caller (the API too)."""

import pytest
from django.core.exceptions import ValidationError

from beneficiaries.services import households_bulk_update
from beneficiaries.tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def test_a_bulk_update_normalises_the_desil_by_the_rules(officer_bandung):
    household = HouseholdFactory(desil=None)
    assert households_bulk_update(user=officer_bandung, household_ids=[household.pk], changes={"desil": " 7.0 "}) == 1
    household.refresh_from_db()
    assert household.desil == 7


def test_a_bulk_update_outside_the_rules_is_refused_with_the_forms_message(officer_bandung):
    household = HouseholdFactory(desil=3)
    with pytest.raises(ValidationError) as refused:
        households_bulk_update(user=officer_bandung, household_ids=[household.pk], changes={"desil": "11"})
    assert refused.value.message_dict == {"desil": ["Desil harus angka 1 sampai 10 atau kosong."]}
    household.refresh_from_db()
    assert household.desil == 3
