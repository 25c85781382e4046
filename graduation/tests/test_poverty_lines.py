import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from graduation.models import Area, PovertyLine
from graduation.poverty_lines import parse_period, poverty_lines_import

MARCH_2025 = datetime.date(2025, 3, 1)


@pytest.mark.django_db
def test_national_bps_lines_are_seeded():
    national = PovertyLine.objects.filter(province__isnull=True, period=MARCH_2025)
    assert {line.area: line.amount for line in national} == {
        Area.TOTAL: 609_160,
        Area.URBAN: 629_561,
        Area.RURAL: 580_349,
    }
    assert PovertyLine.objects.filter(province__isnull=True).count() == 9


@pytest.mark.django_db
def test_household_without_a_provincial_line_uses_the_latest_national_one_and_says_so(regions):
    line, why = PovertyLine.objects.applicable(province_code="32", is_urban=False)
    assert (line.province, line.area, line.period, line.amount) == (None, Area.RURAL, MARCH_2025, 580_349)
    assert "garis nasional perdesaan, Maret 2025" in why


@pytest.mark.django_db
def test_provincial_line_wins_over_the_national_one(regions):
    PovertyLine.objects.create(province_id="32", area=Area.URBAN, period=datetime.date(2024, 9, 1), amount=555_000)
    line, why = PovertyLine.objects.applicable(province_code="32", is_urban=True)
    assert line.amount == 555_000
    assert "provinsi Jawa Barat, September 2024" in why
    # Another province still falls back to the national line.
    other, _ = PovertyLine.objects.applicable(province_code="12", is_urban=True)
    assert other.amount == 629_561


@pytest.mark.django_db
def test_the_line_in_force_on_a_date_is_the_latest_before_it(regions):
    line, _ = PovertyLine.objects.applicable(province_code="32", is_urban=True, on=datetime.date(2024, 12, 31))
    assert line.amount == 615_763


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03", MARCH_2025),
        ("03/2025", MARCH_2025),
        ("Maret 2025", MARCH_2025),
        ("september 2024", datetime.date(2024, 9, 1)),
        ("2025-04", None),
        ("Juni 2025", None),
        ("", None),
    ],
)
def test_periods_are_march_or_september(text, expected):
    assert parse_period(text) == expected


@pytest.mark.django_db
def test_csv_import_upserts_and_a_rerun_creates_nothing(regions):
    content = b"kode_provinsi;wilayah;periode;garis_kemiskinan\n32;perkotaan;2025-03;598.123\n32;D;Maret 2025;560123\n"
    first = poverty_lines_import(content=content)
    assert (first.created, first.updated, first.errors) == (2, 0, [])
    second = poverty_lines_import(content=content)
    assert (second.created, second.updated) == (0, 2)
    assert PovertyLine.objects.get(province_id="32", area=Area.URBAN, period=MARCH_2025).amount == 598_123


@pytest.mark.django_db
def test_one_bad_row_rejects_the_whole_file_with_every_error(regions):
    content = (
        b"kode_provinsi,wilayah,periode,garis_kemiskinan\n"
        b"32,perkotaan,2025-03,598123\n"
        b"99,perkotaan,2025-03,1\n"
        b"32,pinggiran,2025-04,-5\n"
    )
    result = poverty_lines_import(content=content)
    assert result.errors == [
        "Baris 3: kode provinsi '99' tidak dikenal.",
        "Baris 4: wilayah harus perkotaan, perdesaan atau total; periode harus Maret atau September, "
        "mis. 2025-03 atau 'Maret 2025'; garis kemiskinan harus bilangan rupiah lebih dari nol.",
    ]
    assert not PovertyLine.objects.filter(province__isnull=False).exists()


@pytest.mark.django_db
def test_a_file_without_the_columns_is_refused(regions):
    assert poverty_lines_import(content=b"a,b\n1,2\n").errors == [
        "Kolom tidak ditemukan: kode_provinsi, wilayah, periode, garis_kemiskinan."
    ]
    assert poverty_lines_import(content=b"").errors == ["Berkas kosong."]
    assert poverty_lines_import(content=b"\xff\xfe\x00x").errors == ["Berkas bukan teks CSV berkode UTF-8."]


@pytest.mark.django_db
def test_admin_loads_a_file_from_the_page(client, admin_user):
    client.force_login(admin_user)
    upload = SimpleUploadedFile(
        "gk.csv", b"kode_provinsi,wilayah,periode,garis_kemiskinan\n32,perkotaan,2025-03,598123\n"
    )
    response = client.post(reverse("graduation:poverty_line_list"), {"file": upload}, follow=True)
    assert "1 baru, 0 diperbarui" in response.text
    assert "Rp 598.123" in response.text


@pytest.mark.django_db
def test_only_administrators_load_lines(client, officer_bandung):
    client.force_login(officer_bandung)
    page = client.get(reverse("graduation:poverty_line_list"))
    assert page.status_code == 200
    assert "Muat garis kemiskinan" not in page.text
    upload = SimpleUploadedFile("gk.csv", b"kode_provinsi,wilayah,periode,garis_kemiskinan\n32,perkotaan,2025-03,1\n")
    assert client.post(reverse("graduation:poverty_line_list"), {"file": upload}).status_code == 403


@pytest.mark.django_db
def test_command_reports_and_refuses_bad_files(tmp_path, capsys, regions):
    good = tmp_path / "good.csv"
    good.write_text("kode_provinsi,wilayah,periode,garis_kemiskinan\n32,total,2025-03,590000\n")
    call_command("load_poverty_lines", str(good))
    assert "1 created, 0 updated" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("kode_provinsi,wilayah,periode,garis_kemiskinan\n32,total,2025-05,590000\n")
    with pytest.raises(CommandError, match="Baris 2"):
        call_command("load_poverty_lines", str(bad))
