"""List counts: exact up to the threshold, the planner's estimate above it, and said so on the page."""

import pytest
from django.db import connection
from django.urls import reverse

from beneficiaries.models import Household
from beneficiaries.tests.factories import HouseholdFactory
from kube_portal import paging
from kube_portal.paging import ListPaginator

pytestmark = pytest.mark.django_db


def test_below_the_threshold_the_count_is_exact(regions, django_assert_num_queries):
    for _ in range(3):
        HouseholdFactory()
    paginator = ListPaginator(Household.objects.order_by("no_kk"), 2)
    # The EXPLAIN goes through the driver's cursor (paging.estimated_rows), which Django does not log.
    with django_assert_num_queries(1):  # the count
        assert paginator.count == 3
    assert not paginator.estimated
    assert paginator.num_pages == 2


def test_above_the_threshold_the_count_is_the_planners_estimate(regions, monkeypatch, django_assert_num_queries):
    for _ in range(5):
        HouseholdFactory()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE beneficiaries_household")
    monkeypatch.setattr(paging, "ESTIMATE_ABOVE", 2)
    paginator = ListPaginator(Household.objects.order_by("no_kk"), 2)
    with django_assert_num_queries(0):  # the estimate only (not logged): no row is counted
        assert paginator.count == 5  # ANALYZE saw them all
    assert paginator.estimated


def test_an_estimate_too_low_is_corrected_by_a_bounded_count(regions, monkeypatch):
    for _ in range(5):
        HouseholdFactory()
    monkeypatch.setattr(paging, "estimated_rows", lambda queryset: 1)
    monkeypatch.setattr(paging, "ESTIMATE_ABOVE", 3)
    paginator = ListPaginator(Household.objects.order_by("no_kk"), 2)
    assert (paginator.count, paginator.estimated) == (4, True)  # counted up to the threshold + 1


def test_the_page_says_the_count_is_an_estimate(client, admin_user, monkeypatch):
    for _ in range(5):
        HouseholdFactory()
    monkeypatch.setattr(paging, "estimated_rows", lambda queryset: 12_345)
    monkeypatch.setattr(paging, "ESTIMATE_ABOVE", 2)
    client.force_login(admin_user)
    content = client.get(reverse("beneficiaries:household_list"), HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "sekitar 12345 keluarga" in content
    assert "dari sekitar 494" in content  # 12,345 rows at 25 a page
