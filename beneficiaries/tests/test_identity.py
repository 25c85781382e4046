import datetime

import pytest
from django.utils import translation

from beneficiaries.identity import nik_check, no_kk_check

# Born 5 May 1990, a woman (day 05 + 40), Kecamatan Sukasari of Kota Bandung, serial 0001.
NIK_WOMAN = "3273014505900001"


def messages(check):
    return [problem.message for problem in check.errors]


def test_a_valid_nik_agrees_with_sex_and_birth_date():
    check = nik_check(NIK_WOMAN, sex="P", birth_date=datetime.date(1990, 5, 5))
    assert check.valid
    assert check.value == NIK_WOMAN
    assert (check.sex, check.birth_date) == ("P", datetime.date(1990, 5, 5))
    assert not check.warnings


@pytest.mark.parametrize(
    "raw", ["3273 0145 0590 0001", "3273.0145.0590.0001", "3273-0145-0590-0001", "'3273014505900001"]
)
def test_lossless_normalisation(raw):
    assert nik_check(raw).value == NIK_WOMAN


@pytest.mark.parametrize("raw", ["3.27301E+15", "3,27301E+15", "3.27301e15", 3.27301450590000e15, 3273014505900000])
def test_scientific_notation_is_rejected_as_lost_digits(raw):
    check = nik_check(raw)
    assert check.value is None
    assert "digitnya hilang" in messages(check)[0]


def test_a_lost_leading_digit_is_named():
    check = nik_check("273014505900001")
    assert "15 digit: satu digit hilang" in messages(check)[0]


def test_wrong_length_and_letters():
    assert messages(nik_check("32730145059000011")) == ["NIK harus 16 digit, bukan 17."]
    assert messages(nik_check("32730145059O0001")) == ["NIK hanya boleh berisi angka."]
    assert messages(nik_check("")) == ["NIK wajib diisi."]


def test_unknown_province_is_an_error():
    assert messages(nik_check("9973014505900001")) == ["Kode provinsi 99 di NIK tidak dikenal."]


def test_unknown_kabupaten_or_kecamatan_is_only_a_warning():
    check = nik_check("3299014505900001")
    assert check.valid
    assert "32.99.01" in check.warnings[0].message


def test_impossible_birth_date_and_serial_0000():
    assert messages(nik_check("3273017102900001")) == ["Tanggal lahir di NIK (710290) bukan tanggal yang ada."]
    assert messages(nik_check("3273014505900000")) == ["Nomor urut NIK (4 digit terakhir) tidak boleh 0000."]


def test_sex_disagreeing_with_nik_says_which_part():
    check = nik_check(NIK_WOMAN, sex="L", birth_date=datetime.date(1990, 5, 5))
    assert messages(check) == [
        "Jenis kelamin tidak sesuai NIK: NIK menunjukkan perempuan (tanggal 45), yang diisi laki-laki."
    ]
    assert check.errors[0].field == "jenis_kelamin"


def test_birth_date_disagreeing_with_nik_says_which_part():
    check = nik_check(NIK_WOMAN, sex="P", birth_date=datetime.date(1990, 5, 6))
    assert messages(check) == ["Tanggal lahir tidak sesuai NIK: NIK menunjukkan 05-05-90, yang diisi 06-05-1990."]
    assert check.errors[0].field == "tanggal_lahir"


def test_messages_in_english_when_the_ui_is_english():
    with translation.override("en"):
        check = nik_check(NIK_WOMAN, sex="L")
    assert messages(check) == ["Sex does not match the NIK: the NIK says female (day 45), the entry says male."]


def test_no_kk_checks():
    assert no_kk_check("3273011502150001").valid
    assert not no_kk_check("3273011502150001").warnings
    unknown_region = no_kk_check("3299011502150001")
    assert unknown_region.valid
    assert "32.99.01" in unknown_region.warnings[0].message
    assert messages(no_kk_check("3273013302150001")) == ["Tanggal di No. KK (330215) bukan tanggal yang ada."]
    assert "digitnya hilang" in messages(no_kk_check("3.27301E+15"))[0]
    assert messages(no_kk_check("327301150215001")) == [
        "No. KK hanya 15 digit: satu digit hilang (misalnya angka 0 di depan yang dibuang spreadsheet). "
        "Ketik ulang ke-16 digitnya sebagai teks."
    ]
