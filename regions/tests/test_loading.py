import pytest
from django.core.management import call_command

from regions.loading import WILAYAH_I_PROVINCES, ensure_directorate_areas, kind_of, load_regions
from regions.models import DirectorateArea, Kind, Level, Region


@pytest.mark.django_db
def test_full_load_has_the_official_counts_and_a_rerun_changes_nothing(capsys):
    call_command("load_regions")
    output = capsys.readouterr().out
    assert "Provinsi: 38" in output
    assert "Desa/Kelurahan: 83,762" in output
    counts = {level: Region.objects.current().filter(level=level).count() for level in Level}
    assert counts == {Level.PROVINCE: 38, Level.KABKOTA: 514, Level.KECAMATAN: 7285, Level.VILLAGE: 83762}
    again = load_regions()
    assert not again.changed
    assert Region.objects.count() == 38 + 514 + 7285 + 83762


@pytest.mark.django_db
def test_rerun_reports_renamed_retired_and_restored_codes(regions):
    Region.objects.filter(code="32.73.01").update(name="Nama Lama")
    Region.objects.create(
        code="32.73.99", name="Kecamatan Hapus", level=Level.KECAMATAN, kind=Kind.KECAMATAN, parent_id="32.73"
    )
    report = load_regions()
    assert ("32.73.01", "Nama Lama", Region.objects.get(code="32.73.01").name) in report.renamed
    assert "32.73.99" in report.retired
    assert Region.objects.get(code="32.73.99").retired
    Region.objects.filter(code="32.73.01").update(retired=True)
    assert "32.73.01" in load_regions().restored


def test_kinds_follow_the_kemendagri_code_rules():
    assert kind_of("32.04") == Kind.KABUPATEN
    assert kind_of("32.73") == Kind.KOTA
    assert kind_of("32.73.01.1001") == Kind.KELURAHAN
    assert kind_of("32.04.10.2005") == Kind.DESA


@pytest.mark.django_db
def test_wilayah_1_is_sumatera_and_jawa_barat_and_admin_edits_survive():
    load_regions(only_prefixes=WILAYAH_I_PROVINCES + ["31"])
    DirectorateArea.objects.all().delete()
    assert ensure_directorate_areas()
    area = DirectorateArea.objects.get()
    assert sorted(area.provinces.values_list("code", flat=True)) == sorted(WILAYAH_I_PROVINCES)
    area.provinces.add(Region.objects.get(code="31"))
    assert not ensure_directorate_areas()
    assert area.provinces.filter(code="31").exists()
