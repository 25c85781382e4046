import datetime

import pytest
from django.utils import translation

from beneficiaries.rules import birth_date_check, member_check, nik_check, no_kk_check, rt_rw_check

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
    assert check.errors[0].field == "sex"


def test_birth_date_disagreeing_with_nik_says_which_part():
    check = nik_check(NIK_WOMAN, sex="P", birth_date=datetime.date(1990, 5, 6))
    assert messages(check) == ["Tanggal lahir tidak sesuai NIK: NIK menunjukkan 05-05-90, yang diisi 06-05-1990."]
    assert check.errors[0].field == "birth_date"


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


TODAY = datetime.date(2026, 12, 1)


@pytest.mark.parametrize(
    ("digits", "issued"),
    [
        ("3273010112260001", datetime.date(2026, 12, 1)),  # today
        ("3273010212260001", datetime.date(2026, 12, 2)),  # tomorrow: refused below
        ("3273010101270001", datetime.date(2027, 1, 1)),  # next year, not 1927
        ("3273013112760001", datetime.date(2076, 12, 31)),  # still nearer as 2076 than as 1976
        ("3273010101770001", datetime.date(1977, 1, 1)),
        ("3273011508990001", datetime.date(1999, 8, 15)),
    ],
)
def test_the_kk_issue_date_is_read_in_the_century_nearest_today(digits, issued):
    check = no_kk_check(digits, today=TODAY)
    assert check.issued_on == issued
    assert check.valid == (issued <= TODAY)
    if issued > TODAY:
        assert messages(check) == [
            f"Tanggal terbit di No. KK ({digits[6:12]}) adalah {issued:%d-%m-%Y}, sesudah hari ini. Periksa nomornya."
        ]


@pytest.mark.parametrize(
    "raw",
    [
        "\u200b3273014505900001",
        "3273\u200c0145\u200d0590\u20600001",
        "\ufeff'3273014505900001",
        "3273\u00a00145\u202f0590 0001",
        "\u2019" + NIK_WOMAN,  # the apostrophe after autocorrect
        "３２７３０１４５０５９００００１",  # full-width digits from an East Asian keyboard layout
        "3273014505900001.0",
        "3273014505900001,00",
        "3.273014505900001E+15",
        3273014505900001.0,
    ],
)
def test_invisible_characters_and_written_out_numbers_are_normalised(raw):
    assert nik_check(raw).value == NIK_WOMAN


@pytest.mark.parametrize("raw", ["3273014505900000.0", "3.2730145059E+15", 3273014505900000])
def test_a_number_whose_last_digit_may_be_lost_is_refused(raw):
    assert "digitnya hilang" in messages(nik_check(raw))[0]


@pytest.mark.parametrize(
    ("raw", "value"), [("", ""), (None, ""), ("3", "003"), ("03", "003"), (" 12 ", "012"), (7, "007"), (7.0, "007")]
)
def test_rt_rw_are_zero_padded(raw, value):
    check = rt_rw_check(raw, field_name="rt")
    assert (check.valid, check.value) == (True, value)


@pytest.mark.parametrize("raw", ["1234", "0003", "3A", "RT 3", "-1", "\u0663"])  # u0663: an Arabic-Indic three
def test_rt_rw_other_than_three_digits_are_refused(raw):
    check = rt_rw_check(raw, field_name="rw")
    assert messages(check) == ["RW harus angka, paling banyak 3 digit (mis. 3 atau 003)."]


def test_birth_date_today_is_fine_tomorrow_is_not():
    assert birth_date_check(TODAY, today=TODAY).valid
    assert messages(birth_date_check(TODAY + datetime.timedelta(days=1), today=TODAY)) == [
        "Tanggal lahir (02-12-2026) tidak boleh sesudah hari ini."
    ]


def test_member_check_gathers_every_rule_in_english_too():
    with translation.override("en"):
        check = member_check(
            nik=NIK_WOMAN, sex="L", birth_date=datetime.date(1990, 5, 6), is_pregnant=True, today=TODAY
        )
    assert [(problem.field, problem.message) for problem in check.errors] == [
        ("sex", "Sex does not match the NIK: the NIK says female (day 45), the entry says male."),
        ("birth_date", "Birth date does not match the NIK: the NIK says 05-05-90, the entry says 06-05-1990."),
        ("is_pregnant", "Only female members can be marked pregnant."),
    ]
    with translation.override("en"):
        future = no_kk_check("3273010212260001", today=TODAY)
        rt = rt_rw_check("1234", field_name="rt")
    assert messages(future) == [
        "The date in the No. KK (021226) means it was issued on 02-12-2026, after today. Check the number."
    ]
    assert messages(rt) == ["RT must be a number of at most 3 digits (e.g. 3 or 003)."]
