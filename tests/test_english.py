"""In English, no page says a common Indonesian UI word: every page of every role, found by the URL walk.

The text a reader sees (the page's text, its title, buttons, placeholders, option labels and
tooltips) is checked word by word against `INDONESIAN`; the real names of things stay
(KUBE, KPM, pendamping, graduasi, desil, region names, the names of the seeded people), as
DESIGN.md section 5 says. A hit names the role, the page and the words around it.
"""

import re
from html.parser import HTMLParser

import pytest

from tests.page_walk import seed_world, walk

pytestmark = pytest.mark.django_db

#: Common words of the Indonesian UI that an English page never shows.
_WORDS = """
    simpan batal kembali cari tambah ubah hapus daftar tanggal jumlah belum sudah tidak dan atau
    yang untuk dengan halaman laporan kunjungan anggota kelompok usaha rumah tangga keluarga
    semua baru lihat unduh masuk keluar kata sandi pengguna wilayah kecamatan kabupaten kota
    provinsi desa kelurahan nama alamat jenis kelamin lahir aktif nonaktif diusulkan ditetapkan
    direkomendasikan dikembalikan diajukan diverifikasi ditolak diputuskan menuju siap terpenuhi
    bulan tahun hari pekan minggu pendapatan biaya laba kas tabungan aset bantuan pelatihan
    penugasan kepatuhan pemantauan kesiapan keputusan kriteria garis kemiskinan proses berjalan
    selesai gagal ekspor impor unggah templat jalankan verifikasi kembalikan perbaiki catat foto
    topik masalah tindak lanjut catatan alasan berakhir mulai dari sampai menjadi oleh pada di
    ke ini itu ada akan dapat harus bisa terhubung akun peran lainnya laki perempuan ya kepala
    istri suami anak pendidikan pekerjaan disabilitas hamil penghasilan pengeluaran terakhir
    pertama sebelumnya berikutnya sebelum sesudah setelah tampilkan terapkan saring urutkan
    pilih kosong benar salah bln orang kali baris berkas ukuran nilai jabatan bergabung ketua
    sekretaris bendahara omzet hadir ayam telur terjual kegiatan rencana lokasi waktu sekarang
    terlambat tercatat hasil tumbuh berkembang naik turun rata sejak lalu kurang lebih paling
    tinggi rendah dihitung ulang dicatat disimpan diubah dihapus ditambahkan berhasil perlu
    mohon silakan periksa isi wajib bidang tabel grafik ringkasan rincian riwayat perubahan
    ambang syarat asesmen penilaian sumber keterangan tujuan maju alamiah mandiri kambuh dirujuk
"""
INDONESIAN = set(_WORDS.split())

#: Words that are the same in both languages or the real names of things.
PROPER = {"kube", "kpm", "pendamping", "graduasi", "desil", "kur", "dtsen", "pkh", "bpnt", "nik", "rt", "rw"}

WORD = re.compile(r"[A-Za-zÀ-ÿ]+")


class _Text(HTMLParser):
    """The English text a reader sees: body text and the attributes that show as text.

    Left out: scripts, identifiers set as <code> (the column names of an import file), and
    elements marked as another language (the language switch names Bahasa Indonesia in it).
    """

    SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "value", "data-label")
    SKIPPED = {"script", "style", "template", "code"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skipping: list[str] = []  # the open tags of the element being left out

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.skipping:
            if tag not in self.VOID:
                self.skipping.append(tag)
            return
        if tag in self.SKIPPED or attrs.get("lang", "en") != "en":
            if tag not in self.VOID:
                self.skipping.append(tag)
            return
        shown = [a for a in self.SHOWN_ATTRIBUTES if a != "value" or attrs.get("type") in ("submit", "button")]
        self.parts += [attrs[a] for a in shown if attrs.get(a)]

    def handle_endtag(self, tag):
        if self.skipping and tag in self.skipping:
            while self.skipping.pop() != tag:
                pass

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def typed_text() -> list[str]:
    """The free text of the seeded rows that holds an Indonesian word: names, addresses, notes, plans.

    What people typed is data, shown as they wrote it (and region names are real names). The
    system's own words are choices or codes (choice fields, JSON explanations), never typed
    text, so they are still checked.
    """
    from django.apps import apps
    from django.db import models

    found = set()
    for model in apps.get_models():
        if model.__module__.split(".")[0] not in PROJECT_APPS:
            continue
        columns = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField)) and not f.choices
        ]
        for row in model.objects.values_list(*columns) if columns else []:
            found |= {value for value in row if value and any(w.lower() in INDONESIAN for w in WORD.findall(value))}
    return sorted(found, key=len, reverse=True)


#: The apps whose rows hold typed text.
PROJECT_APPS = {"regions", "accounts", "beneficiaries", "groups", "mentors", "graduation", "dashboards"}

#: A short parenthesised term after its English name is a gloss: "Districts (kecamatan)", "Growing (Tumbuh)".
GLOSS = re.compile(r"\((?:[^()\s]+ ?){1,3}\)")


def without_data(text: str, typed: re.Pattern) -> str:
    return GLOSS.sub(" ", typed.sub(" ", text))


#: An amount or a count grouped the Indonesian way (Rp 1.250.000, 12.500.000): in English, 1,250,000.
INDONESIAN_NUMBER = re.compile(r"Rp\s?\d{1,3}(?:\.\d{3})+(?![\d.])|(?<![\d.])\d{1,3}(?:\.\d{3}){2,}(?![\d.])")


def indonesian_words(text: str, allowed: set[str]) -> list[str]:
    """Each Indonesian word of `text` with a little of its context."""
    hits = []
    for match in WORD.finditer(text):
        word = match.group().lower()
        if word in INDONESIAN and word not in allowed:
            hits.append(f"{match.group()!r} in …{text[max(0, match.start() - 40) : match.end() + 40]}…")
    for match in INDONESIAN_NUMBER.finditer(text):
        hits.append(
            f"{match.group()!r} (Indonesian digit grouping) in …{text[max(0, match.start() - 40) : match.end() + 40]}…"
        )
    return hits


def test_every_page_reads_in_english(regions):
    world = seed_world()
    typed = re.compile("|".join(re.escape(value) for value in typed_text()))
    problems: list[str] = []

    def check(role, name, url, response):
        assert response.headers.get("Content-Language") == "en", f"{url} did not answer in English"
        hits = indonesian_words(without_data(visible_text(response.content.decode()), typed), PROPER)
        problems.extend(f"{role} {name} {url}: {hit}" for hit in hits[:5])

    result = walk(world, language="en", visit=check)
    assert result.missing == [], "\n".join(result.missing)
    assert problems == [], f"{len(problems)} Indonesian words on English pages:\n" + "\n".join(problems)


#: The downloads read by people. Left out: the import template and the household export, which
#: are the import file's format (columns such as `jenis_kelamin`, values such as `kepala
#: keluarga`) so that an export can be edited and imported back in either language.
DOWNLOADS = [
    ("admin", "groups:kube_export", {}, ""),
    ("admin", "groups:kube_export", {}, "?format=xlsx"),
    ("admin", "dashboards:national_export", {}, ""),
    ("admin", "dashboards:region_export", {"region_code": "32.73"}, ""),
]


def download_text(response) -> str:
    import csv
    import io

    from openpyxl import load_workbook

    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content[:2] == b"PK":
        workbook = load_workbook(io.BytesIO(content), read_only=True)
        cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]
        titles = [sheet.title for sheet in workbook.worksheets]
        return " | ".join(value for value in titles + cells if isinstance(value, str))
    return " | ".join(" | ".join(row) for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_every_download_reads_in_english(regions):
    from django.test import Client
    from django.urls import reverse

    world = seed_world()
    typed = re.compile("|".join(re.escape(value) for value in typed_text()))
    problems = []
    for role, name, kwargs, query in DOWNLOADS:
        client = Client()
        client.force_login(world.users[role])
        client.cookies["django_language"] = "en"
        response = client.get(reverse(name, kwargs=kwargs) + query)
        assert response.status_code == 200, name
        hits = indonesian_words(without_data(download_text(response), typed), PROPER)
        problems += [f"{name}{query}: {hit}" for hit in hits[:8]]
    assert problems == [], "\n".join(problems)


def test_the_word_check_finds_indonesian_and_spares_names():
    assert indonesian_words("Save · Simpan", set()) == ["'Simpan' in …Save · Simpan…"]
    assert indonesian_words("Kelompok Tani Sukamaju", {"kelompok"}) == []
    typed = re.compile(re.escape("Usaha berjalan baik"))
    assert without_data("Reason: Usaha berjalan baik · Districts (kecamatan) 30", typed) == "Reason:   · Districts   30"
    assert indonesian_words("Rp 1.250.000 · 32.73.01.1001 · Rp 1,250,000", set())[0].startswith("'Rp 1.250.000'")
    assert len(indonesian_words("Rp 1.250.000 · 32.73.01.1001 · Rp 1,250,000", set())) == 1
    assert visible_text('<p>Go</p><script>var batal;</script><input type="submit" value="Batal">') == "Go Batal"
