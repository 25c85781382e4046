"""The household rules give one verdict whichever way a household comes in.

Every case goes four ways: straight through `beneficiaries.rules`, through the household
page (form and member formset, then the service), straight through the service with the raw
values (as the API will call it), and through the import of a CSV file. The four must agree
on which fields are wrong, with the same messages, and on the normalised values that are stored.
"""

import csv
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from beneficiaries import rules
from beneficiaries.importing import COLUMNS, RULE_COLUMNS, households_import
from beneficiaries.models import Household, Member
from beneficiaries.services import MemberChange, household_create
from beneficiaries.tests.factories import BANDUNG_VILLAGE, compose_nik, compose_no_kk

pytestmark = pytest.mark.django_db

KK = "3273011502200001"  # issued 15 February 2020 in Kecamatan Sukasari
NIK = "3273011506800001"  # a man born 15 June 1980
NIK_WOMAN = "3273015507820001"  # a woman born 15 July 1982: day 15 + 40
BASE = {
    "no_kk": KK,
    "nik": NIK,
    "sex": "L",
    "birth_date": datetime.date(1980, 6, 15),
    "rt": "1",
    "rw": "2",
    "desil": "3",
    "is_pregnant": False,
}
LOST_DIGITS = "tersimpan sebagai angka biasa atau notasi ilmiah"


def tomorrow(today):
    return today + datetime.timedelta(days=1)


# name: (what differs from BASE, given today), expected: {"errors": {field: fragment}} or {"values": {...}}.
CASES = {
    "valid": (lambda t: {}, {"values": {"no_kk": KK, "nik": NIK, "rt": "001", "rw": "002", "desil": 3}}),
    "nik with spaces": (lambda t: {"nik": "3273 0115 0680 0001"}, {"values": {"nik": NIK}}),
    "nik with dots": (lambda t: {"nik": "3273.01.1506800001"}, {"values": {"nik": NIK}}),
    "nik with dashes": (lambda t: {"nik": "327301-150680-0001"}, {"values": {"nik": NIK}}),
    "nik with excel apostrophe": (lambda t: {"nik": "'3273011506800001"}, {"values": {"nik": NIK}}),
    "nik with zero-width space": (lambda t: {"nik": "\u200b3273011506800001"}, {"values": {"nik": NIK}}),
    "nik with zero-width joiners": (lambda t: {"nik": "3273\u200c0115\u200d06800001"}, {"values": {"nik": NIK}}),
    "nik with byte-order mark": (lambda t: {"nik": "3273011506800001\ufeff"}, {"values": {"nik": NIK}}),
    "nik with non-breaking spaces": (lambda t: {"nik": "3273\u00a00115\u202f0680 0001"}, {"values": {"nik": NIK}}),
    "nik written as a decimal": (lambda t: {"nik": "3273011506800001.0"}, {"values": {"nik": NIK}}),
    "nik in full scientific notation": (lambda t: {"nik": "3.273011506800001E+15"}, {"values": {"nik": NIK}}),
    "nik mangled by excel": (lambda t: {"nik": "3.27301E+15"}, {"errors": {"nik": LOST_DIGITS}}),
    "nik decimal with its last digit lost": (
        lambda t: {"nik": "3273011506800000.0"},
        {"errors": {"nik": LOST_DIGITS}},
    ),
    "nik of 15 digits": (lambda t: {"nik": "327301150680001"}, {"errors": {"nik": "hanya 15 digit"}}),
    "nik of 17 digits": (lambda t: {"nik": "32730115068000011"}, {"errors": {"nik": "harus 16 digit, bukan 17"}}),
    "nik empty": (lambda t: {"nik": ""}, {"errors": {"nik": "NIK wajib diisi."}}),
    "no kk with spaces": (lambda t: {"no_kk": "3273 0115 0220 0001"}, {"values": {"no_kk": KK}}),
    "no kk with apostrophe and zero-width space": (
        lambda t: {"no_kk": "'\u200b3273011502200001"},
        {"values": {"no_kk": KK}},
    ),
    "no kk with dots and dashes": (lambda t: {"no_kk": "32.73.01-150220-0001"}, {"values": {"no_kk": KK}}),
    "no kk mangled by excel": (lambda t: {"no_kk": "3.27301E+15"}, {"errors": {"no_kk": LOST_DIGITS}}),
    "no kk issued today": (
        lambda t: {"no_kk": compose_no_kk(BANDUNG_VILLAGE, t, 7)},
        {"values": {"no_kk": lambda t: compose_no_kk(BANDUNG_VILLAGE, t, 7)}},
    ),
    "no kk issued tomorrow": (
        lambda t: {"no_kk": compose_no_kk(BANDUNG_VILLAGE, tomorrow(t), 7)},
        {"errors": {"no_kk": "sesudah hari ini"}},
    ),
    "no kk issued next year": (
        lambda t: {"no_kk": compose_no_kk(BANDUNG_VILLAGE, t.replace(year=t.year + 1, day=1), 7)},
        {"errors": {"no_kk": "sesudah hari ini"}},
    ),
    "no kk with an impossible date": (
        lambda t: {"no_kk": "3273013102200001"},
        {"errors": {"no_kk": "bukan tanggal yang ada"}},
    ),
    "born today": (
        lambda t: {"birth_date": t, "nik": compose_nik(BANDUNG_VILLAGE, t, "L", 1)},
        {"values": {"nik": lambda t: compose_nik(BANDUNG_VILLAGE, t, "L", 1)}},
    ),
    "born tomorrow": (
        lambda t: {"birth_date": tomorrow(t), "nik": compose_nik(BANDUNG_VILLAGE, tomorrow(t), "L", 1)},
        {"errors": {"birth_date": "tidak boleh sesudah hari ini"}},
    ),
    "woman with day + 40": (
        lambda t: {"nik": NIK_WOMAN, "sex": "P", "birth_date": datetime.date(1982, 7, 15)},
        {"values": {"nik": NIK_WOMAN}},
    ),
    "woman entered as a man": (
        lambda t: {"nik": NIK_WOMAN, "sex": "L", "birth_date": datetime.date(1982, 7, 15)},
        {"errors": {"sex": "NIK menunjukkan perempuan"}},
    ),
    "man entered as a woman": (lambda t: {"sex": "P"}, {"errors": {"sex": "NIK menunjukkan laki-laki"}}),
    "birth date one day off the nik": (
        lambda t: {"birth_date": datetime.date(1980, 6, 16)},
        {"errors": {"birth_date": "NIK menunjukkan 15-06-80"}},
    ),
    "pregnant man": (lambda t: {"is_pregnant": True}, {"errors": {"is_pregnant": "Hanya anggota perempuan"}}),
    "rt one digit padded": (lambda t: {"rt": "3", "rw": "12"}, {"values": {"rt": "003", "rw": "012"}}),
    "rt already padded": (lambda t: {"rt": "003", "rw": "010"}, {"values": {"rt": "003", "rw": "010"}}),
    "rt with blanks and a decimal": (lambda t: {"rt": " 7 ", "rw": "4.0"}, {"values": {"rt": "007", "rw": "004"}}),
    "rt and rw empty": (lambda t: {"rt": "", "rw": ""}, {"values": {"rt": "", "rw": ""}}),
    "rt of four digits": (lambda t: {"rt": "1234"}, {"errors": {"rt": "RT harus angka, paling banyak 3 digit"}}),
    "rw with letters": (lambda t: {"rw": "2A"}, {"errors": {"rw": "RW harus angka, paling banyak 3 digit"}}),
    "desil 10": (lambda t: {"desil": "10"}, {"values": {"desil": 10}}),
    "desil empty": (lambda t: {"desil": ""}, {"values": {"desil": None}}),
    "desil 11": (lambda t: {"desil": "11"}, {"errors": {"desil": "Desil harus angka 1 sampai 10"}}),
    "desil 0": (lambda t: {"desil": "0"}, {"errors": {"desil": "Desil harus angka 1 sampai 10"}}),
}


def through_rules(case: dict, today: datetime.date) -> dict:
    household = [
        rules.no_kk_check(case["no_kk"], today=today),
        rules.rt_rw_check(case["rt"], field_name="rt"),
        rules.rt_rw_check(case["rw"], field_name="rw"),
        rules.desil_check(case["desil"]),
    ]
    member = rules.member_check(
        nik=case["nik"],
        sex=case["sex"],
        birth_date=case["birth_date"],
        is_pregnant=case["is_pregnant"],
        today=today,
    )
    errors = [problem for check in [*household, member] for problem in check.errors]
    if errors:
        return verdict_of_errors((problem.field, problem.message) for problem in errors)
    no_kk, rt, rw, desil = (check.value for check in household)
    return {"values": {"no_kk": no_kk, "nik": member.value, "rt": rt, "rw": rw, "desil": desil}}


def through_form(client, case: dict) -> dict:
    data = {
        "no_kk": case["no_kk"],
        "village": BANDUNG_VILLAGE,
        "address": "Jl. Sukarasa 1",
        "rt": case["rt"],
        "rw": case["rw"],
        "desil": case["desil"],
        "programs": ["pkh"],
        "phone": "",
        "members-TOTAL_FORMS": "1",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "1000",
        "members-0-nik": case["nik"],
        "members-0-name": "Asep Sunandar",
        "members-0-sex": case["sex"],
        "members-0-birth_date": case["birth_date"].isoformat(),
        "members-0-relationship": "kepala",
    }
    if case["is_pregnant"]:
        data["members-0-is_pregnant"] = "on"
    response = client.post(reverse("beneficiaries:household_create"), data)
    if response.status_code == 302:
        return stored()
    assert response.status_code == 200
    form, member_form = response.context["form"], response.context["formset"].forms[0]
    return verdict_of_errors(
        (field, message)
        for errors in (form.errors, member_form.errors)
        for field, messages in errors.items()
        for message in messages
    )


def through_service(user, case: dict) -> dict:
    data = {
        "no_kk": case["no_kk"],
        "village_id": BANDUNG_VILLAGE,
        "address": "Jl. Sukarasa 1",
        "rt": case["rt"],
        "rw": case["rw"],
        "is_urban": True,
        "desil": case["desil"],
        "receives_pkh": True,
        "receives_bpnt": False,
        "receives_pbi_jk": False,
        "phone": "",
    }
    member = {
        "nik": case["nik"],
        "name": "Asep Sunandar",
        "sex": case["sex"],
        "birth_date": case["birth_date"],
        "relationship": "kepala",
        "has_disability": False,
        "is_pregnant": case["is_pregnant"],
        "education": "",
        "occupation": "",
    }
    try:
        household_create(user=user, data=data, members=[MemberChange(data=member)])
    except ValidationError as error:
        return verdict_of_errors(
            (field, message) for field, messages in error.message_dict.items() for message in messages
        )
    return stored()


def through_import(tmp_path, user, case: dict) -> dict:
    values = dict.fromkeys(COLUMNS, "")
    values.update(
        no_kk=case["no_kk"],
        nik=case["nik"],
        nama="Asep Sunandar",
        jenis_kelamin=case["sex"],
        tanggal_lahir=case["birth_date"].isoformat(),
        hubungan="kepala keluarga",
        kode_desa=BANDUNG_VILLAGE,
        alamat="Jl. Sukarasa 1",
        rt=case["rt"],
        rw=case["rw"],
        perkotaan="Y",
        desil=case["desil"],
        program="PKH",
        disabilitas="N",
        hamil="Y" if case["is_pregnant"] else "N",
    )
    path = tmp_path / "kpm.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerow([values[column] for column in COLUMNS])
    result = households_import(user=user, path=path, dry_run=False)
    fields = {column: field for field, column in RULE_COLUMNS.items()}
    # The rejection of the whole household (column "") follows from the errors above it.
    errors = [(fields[p.column], p.message) for p in result.errors if p.column]
    return verdict_of_errors(errors) if errors else stored()


def verdict_of_errors(problems) -> dict:
    errors: dict[str, list[str]] = {}
    for field, message in problems:
        errors.setdefault(field, []).append(str(message))
    return {"errors": {field: sorted(messages) for field, messages in errors.items()}}


def stored() -> dict:
    household = Household.objects.get()
    member = Member.objects.get()
    fields = ("no_kk", "rt", "rw", "desil")
    return {"values": {**{name: getattr(household, name) for name in fields}, "nik": member.nik}}


@pytest.mark.parametrize("name", CASES)
def test_the_same_verdict_through_rules_form_and_import(name, client, officer_bandung, tmp_path):
    today = timezone.localdate()
    changes, expected = CASES[name]
    case = {**BASE, **changes(today)}

    by_rules = through_rules(case, today)
    client.force_login(officer_bandung)
    with transaction.atomic():
        by_form = through_form(client, case)
        transaction.set_rollback(True)  # the service and the import below register the same household
    with transaction.atomic():
        by_service = through_service(officer_bandung, case)
        transaction.set_rollback(True)
    by_import = through_import(tmp_path, officer_bandung, case)

    assert by_form == by_rules, "form and rules disagree"
    assert by_service == by_rules, "service and rules disagree"
    assert by_import == by_rules, "import and rules disagree"
    if "errors" in expected:
        assert set(by_rules["errors"]) == set(expected["errors"])
        for field, fragment in expected["errors"].items():
            assert any(fragment in message for message in by_rules["errors"][field]), by_rules["errors"][field]
    else:
        wanted = {key: value(today) if callable(value) else value for key, value in expected["values"].items()}
        assert by_rules["values"] | wanted == by_rules["values"]
