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
INDONESIAN = set(
    """
    simpan batal kembali cari tambah ubah hapus daftar tanggal jumlah belum sudah tidak dan atau
    yang untuk dengan halaman laporan kunjungan anggota kelompok usaha rumah tangga keluarga
    semua baru lihat unduh masuk keluar kata sandi pengguna wilayah kecamatan kabupaten kota
    provinsi desa kelurahan nama alamat jenis kelamin lahir aktif nonaktif diusulkan
    ditetapkan direkomendasikan dikembalikan diajukan diverifikasi ditolak diputuskan menuju siap
    terpenuhi bulan tahun hari pekan minggu pendapatan biaya laba kas tabungan aset bantuan
    pelatihan penugasan kepatuhan pemantauan kesiapan keputusan kriteria garis kemiskinan proses
    berjalan selesai gagal ekspor impor unggah templat jalankan verifikasi kembalikan perbaiki
    catat foto topik masalah tindak lanjut catatan alasan berakhir mulai dari sampai menjadi
    oleh pada di ke ini itu ada akan dapat harus bisa belum terhubung akun peran lainnya
    laki perempuan ya kepala istri suami anak pendidikan pekerjaan disabilitas hamil
    penghasilan pengeluaran terakhir pertama sebelumnya berikutnya sebelum sesudah setelah
    tampilkan terapkan saring urutkan pilih semua kosong benar salah
    """.split()
)

#: Words that are the same in both languages or the real names of things.
PROPER = {"kube", "kpm", "pendamping", "graduasi", "desil", "kur", "dtsen", "pkh", "bpnt", "nik", "rt", "rw"}

WORD = re.compile(r"[A-Za-zÀ-ÿ]+")


class _Text(HTMLParser):
    """The text a reader sees: body text and the attributes that show as text."""

    SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "value", "data-label")
    SKIPPED = {"script", "style", "template"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skip += 1
        attrs = dict(attrs)
        shown = [a for a in self.SHOWN_ATTRIBUTES if a != "value" or attrs.get("type") in ("submit", "button")]
        self.parts += [attrs[a] for a in shown if attrs.get(a)]

    def handle_endtag(self, tag):
        if tag in self.SKIPPED and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def proper_names(world) -> set[str]:
    """Region names and the names of the seeded people and groups: they stay as they are."""
    from beneficiaries.models import Member
    from groups.models import Kube
    from mentors.models import Mentor, TrainingBatch
    from regions.models import Region

    from accounts.models import User

    names = set()
    sources = [
        Region.objects.values_list("name", flat=True),
        Member.objects.values_list("name", flat=True),
        Kube.objects.values_list("name", flat=True),
        Mentor.objects.values_list("name", flat=True),
        TrainingBatch.objects.values_list("name", flat=True),
        User.objects.values_list("first_name", flat=True),
        User.objects.values_list("last_name", flat=True),
    ]
    for source in sources:
        for value in source:
            names |= {word.lower() for word in WORD.findall(value)}
    return names


def indonesian_words(text: str, allowed: set[str]) -> list[str]:
    """Each Indonesian word of `text` with a little of its context."""
    hits = []
    for match in WORD.finditer(text):
        word = match.group().lower()
        if word in INDONESIAN and word not in allowed:
            hits.append(f"{match.group()!r} in …{text[max(0, match.start() - 40) : match.end() + 40]}…")
    return hits


def test_every_page_reads_in_english(regions):
    world = seed_world()
    allowed = PROPER | (proper_names(world) & INDONESIAN)
    problems: list[str] = []

    def check(role, name, url, response):
        assert response.headers.get("Content-Language") == "en", f"{url} did not answer in English"
        hits = indonesian_words(visible_text(response.content.decode()), allowed)
        problems.extend(f"{role} {name} {url}: {hit}" for hit in hits[:5])

    result = walk(world, language="en", visit=check)
    assert result.missing == [], "\n".join(result.missing)
    assert problems == [], f"{len(problems)} Indonesian words on English pages:\n" + "\n".join(problems)


def test_the_word_check_finds_indonesian_and_spares_names():
    assert indonesian_words("Save · Simpan", set()) == ["'Simpan' in …Save · Simpan…"]
    assert indonesian_words("Kelompok Tani Sukamaju", {"kelompok"}) == []
    assert visible_text('<p>Go</p><script>var batal;</script><input type="submit" value="Batal">') == "Go Batal"
