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


def _mypy_baseline():
    """scripts/mypy_baseline.py (a script, not a package module), loaded by path."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("mypy_baseline", ROOT / "scripts" / "mypy_baseline.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_mypy_baseline_only_shrinks():
    """An error beyond a file's recorded count fails (a file not recorded has none); fewer errors than
    recorded ask for the baseline to be lowered."""
    check = _mypy_baseline()
    patterns = ["*.services", "*.api", "*.api.*"]
    baseline = {"groups/views.py": 3, "groups/forms.py": 2}
    assert check.compare({"groups/views.py": 3, "groups/forms.py": 2}, baseline, patterns) == ([], [])
    grown, shrunk = check.compare(
        {"groups/views.py": 4, "groups/forms.py": 1, "groups/models.py": 1}, baseline, patterns
    )
    assert grown == ["groups/models.py: 1 errors, baseline 0", "groups/views.py: 4 errors, baseline 3"]
    assert shrunk == ["groups/forms.py: 1 errors, baseline 2"]
    # A strict module without a recorded count (every services.py, a new API module) is held to none.
    grown, _shrunk = check.compare({"groups/services.py": 1}, baseline, patterns)
    assert grown == ["groups/services.py: 1 errors, baseline 0 (strict module)"]


def test_every_services_selectors_rules_and_api_module_is_strict(tmp_path):
    """mypy's patterns match whole module names: a new `api_views.py` no pattern covers is named."""
    check = _mypy_baseline()
    for name in ("groups/services.py", "groups/api_views.py", "api/serializers.py", "groups/tests/test_services.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    assert check.strict_files_left_out(["*.services", "api.*"], tmp_path) == ["groups/api_views.py"]
    assert check.strict_files_left_out(check.strict_patterns(), tmp_path) == []
    assert check.matches("groups.api.views", "*.api.*") and not check.matches(
        "groups.tests.test_services", "*.services"
    )
    # The project itself: every such module is in the strict section.
    assert check.strict_files_left_out(check.strict_patterns()) == []
