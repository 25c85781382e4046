import pytest

from groups.models import BusinessField, MaturityThresholds, Program

pytestmark = pytest.mark.django_db


def test_admin_edits_reference_data(client, admin_user):
    client.force_login(admin_user)
    reguler = Program.objects.get(code="reguler")
    for url in (
        "/admin/groups/program/",
        f"/admin/groups/program/{reguler.pk}/change/",
        "/admin/groups/businessfield/",
        "/admin/groups/maturitythresholds/",
        "/admin/groups/maturitythresholds/add/",
    ):
        assert client.get(url).status_code == 200, url

    response = client.post(
        "/admin/groups/businessfield/add/", {"name": "Budidaya lele", "business_type": "produksi", "is_active": "on"}
    )
    assert response.status_code == 302
    assert BusinessField.objects.filter(name="Budidaya lele").exists()

    # A threshold change is a new version; the latest applies.
    response = client.post(
        "/admin/groups/maturitythresholds/add/",
        {
            "berkembang_months_active": 9,
            "berkembang_window": 12,
            "berkembang_min_profitable": 6,
            "maju_months_active": 24,
            "maju_min_savings": 15_000_000,
            "maju_min_reports": 6,
            "not_reporting_months": 3,
            "note": "Tahun anggaran 2027",
        },
    )
    assert response.status_code == 302
    assert MaturityThresholds.objects.current().berkembang_months_active == 9
    first = MaturityThresholds.objects.order_by("id").first()
    assert client.get(f"/admin/groups/maturitythresholds/{first.pk}/change/").status_code == 200  # read-only view
