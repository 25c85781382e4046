"""What the repository must hold besides code: every migration, and compiled catalogs that match their sources.

Both run in `make test`, and so on CI (.ci/run): a model change without its migration, or a .po file
edited without `compilemessages`, fails here rather than on a server.
"""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
MSGFMT = shutil.which("msgfmt")


@pytest.mark.django_db
def test_every_model_change_has_its_migration(capsys):
    """`makemigrations --check --dry-run` exits 1 when a model differs from its migrations."""
    try:
        call_command("makemigrations", "--check", "--dry-run", verbosity=1)
    except SystemExit as exit_:
        pytest.fail(f"A migration is missing (manage.py makemigrations):\n{capsys.readouterr().out}")
        raise AssertionError from exit_


def catalogs(root: Path = ROOT) -> list[Path]:
    """Every gettext source catalog (.po) of the project, vendored and virtualenv files left out."""
    return sorted(
        path
        for path in root.rglob("locale/*/LC_MESSAGES/*.po")
        if not {".venv", "node_modules", "static"} & set(path.relative_to(root).parts)
    )


def _messages(mo: Path) -> dict[object, str]:
    with mo.open("rb") as file:
        return dict(vars(gettext.GNUTranslations(file))["_catalog"])  # the parsed messages, header included


def stale_catalogs(pos: list[Path], scratch: Path, root: Path = ROOT) -> list[str]:
    """The .po files whose .mo is missing or holds other messages than the .po compiles to.

    The .po is compiled as `compilemessages` does (msgfmt --check-format, fuzzy entries left out)
    into a scratch folder, and both .mo files are compared by their parsed messages, not their
    bytes, so that another msgfmt version that orders or hashes differently does not count.
    """
    assert MSGFMT is not None
    stale = []
    for index, po in enumerate(pos):
        mo = po.with_suffix(".mo")
        fresh = scratch / f"{index}.mo"
        subprocess.run([MSGFMT, "--check-format", "-o", str(fresh), str(po)], check=True)  # noqa: S603
        if not mo.exists() or _messages(mo) != _messages(fresh):
            stale.append(po.relative_to(root).as_posix())
    return stale


@pytest.mark.skipif(MSGFMT is None, reason="msgfmt (gettext) is not installed")
def test_every_compiled_catalog_matches_its_source(tmp_path):
    pos = catalogs()
    assert len(pos) >= 8  # the project's catalog and one per app
    assert stale_catalogs(pos, tmp_path) == [], "run `manage.py compilemessages` and commit the .mo files"


@pytest.mark.skipif(MSGFMT is None, reason="msgfmt (gettext) is not installed")
def test_the_catalog_check_finds_a_stale_or_missing_mo(tmp_path):
    """A translation added to the .po but not compiled, and a .po without its .mo, are both found."""
    source = ROOT / "locale/en/LC_MESSAGES/django.po"
    folder = tmp_path / "app/locale/en/LC_MESSAGES"
    folder.mkdir(parents=True)
    po = folder / "django.po"
    shutil.copy(source, po)
    shutil.copy(source.with_suffix(".mo"), po.with_suffix(".mo"))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    assert stale_catalogs([po], scratch, tmp_path) == []
    with po.open("a", encoding="utf-8") as file:
        file.write('\nmsgid "Pesan yang belum dikompilasi"\nmsgstr "A message not compiled yet"\n')
    assert stale_catalogs([po], scratch, tmp_path) == ["app/locale/en/LC_MESSAGES/django.po"]
    po.with_suffix(".mo").unlink()
    assert stale_catalogs([po], scratch, tmp_path) == ["app/locale/en/LC_MESSAGES/django.po"]
