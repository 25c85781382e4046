"""mypy (with django-stubs) over the project, held to a baseline that only shrinks.

    scripts/mypy_baseline.py            # make lint: fails on an error beyond the baseline
    scripts/mypy_baseline.py --update   # after fixing errors: record the lower counts

`mypy-baseline.txt` records, per file, how many errors mypy still finds there (the code that was
written before mypy ran). The check fails when a file has more errors than recorded (a file not
listed has none), and when it has fewer: then `--update` records the lower count, so that the
baseline only ever goes down. `--update` refuses to record a count that grows.

The strict modules of pyproject.toml ([[tool.mypy.overrides]] with disallow_untyped_defs: the
services, selectors, rules and the API) are held the same way: the services, selectors and rules
have no error and no entry, so any error there fails, and so does any in a new strict module; the
API, which came before its strict checking, has its recorded counts, which only go down. Because mypy
matches whole module names only, the check also fails on a file named like one of them
(`services.py`, `api_views.py`, ...) that no pattern of that section matches.

The settings module is loaded by the django-stubs plugin; without DATABASE_URL / REDIS_URL it
would start the embedded servers, so placeholders are set (nothing connects to them).
"""

import argparse
import fnmatch
import os
import re
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "mypy-baseline.txt"
#: Files whose rules must be typed strictly (DESIGN: services, selectors, rules and the API).
STRICT_FILES = ("*/services.py", "*/selectors.py", "*/rules.py", "*/api.py", "*/api_*.py", "*/api/*.py", "api/*.py")
ERROR = re.compile(r"^(?P<path>[^:\s]+\.py):\d+:(?:\d+:)? error: ")


def strict_patterns() -> list[str]:
    """The module patterns of the strict section of pyproject.toml."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for override in config["tool"]["mypy"].get("overrides", []):
        if override.get("disallow_untyped_defs"):
            modules = override["module"]
            return [modules] if isinstance(modules, str) else list(modules)
    return []


def module_name(path: str) -> str:
    parts = list(Path(path).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def matches(module: str, pattern: str) -> bool:
    """mypy's rule: `*` stands for whole dotted components (`*.api` matches `x.api`, `a.b.api`)."""
    regex = re.escape(pattern).replace(r"\*", r"[^.]+(?:\.[^.]+)*")
    return re.fullmatch(regex, module) is not None


def is_strict(path: str, patterns: list[str]) -> bool:
    """Whether mypy checks `path` strictly: a module of the strict section that is not a test."""
    module = module_name(path)
    return "tests" not in module.split(".") and any(matches(module, pattern) for pattern in patterns)


def strict_files_left_out(patterns: list[str], root: Path = ROOT) -> list[str]:
    """Files named like a strict module (services.py, api_views.py ...) that no strict pattern matches."""
    out = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith((".venv/", "static/", "bench/")) or "/migrations/" in relative:
            continue
        if "/tests/" in relative or relative.startswith("tests/"):
            continue
        if any(fnmatch.fnmatch(relative, glob) for glob in STRICT_FILES) and not any(
            matches(module_name(relative), pattern) for pattern in patterns
        ):
            out.append(relative)
    return out


def run_mypy() -> tuple[Counter[str], list[str], int]:
    os.environ.setdefault("DATABASE_URL", "postgres://mypy@127.0.0.1:1/mypy")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:1/0")
    from mypy import api

    stdout, stderr, status = api.run([])
    counts: Counter[str] = Counter()
    other = []
    for line in stdout.splitlines():
        match = ERROR.match(line)
        if match:
            counts[match["path"]] += 1
        elif ": error:" in line or line.startswith("mypy: "):
            other.append(line)
    if status == 2 or stderr.strip():  # mypy itself failed (bad config, crash): nothing was counted
        other.append(stderr.strip() or stdout.strip())
    return counts, other, status


def read_baseline() -> dict[str, int]:
    baseline = {}
    if BASELINE.exists():
        for line in BASELINE.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                count, path = line.split(maxsplit=1)
                baseline[path] = int(count)
    return baseline


def write_baseline(counts: Counter[str]) -> None:
    lines = [
        "# mypy errors per file that were there before mypy ran (scripts/mypy_baseline.py): counts only go down.",
        *(f"{counts[path]} {path}" for path in sorted(counts)),
    ]
    BASELINE.write_text("\n".join(lines) + "\n", encoding="utf-8")


def compare(counts: Counter[str], baseline: dict[str, int], patterns: list[str]) -> tuple[list[str], list[str]]:
    """(errors beyond the baseline, baseline entries that can be lowered)."""
    grown, shrunk = [], []
    for path, count in sorted(counts.items()):
        strict = is_strict(path, patterns)
        allowed = baseline.get(path, 0)
        if count > allowed:
            grown.append(f"{path}: {count} errors, baseline {allowed}{' (strict module)' if strict else ''}")
    for path, recorded in sorted(baseline.items()):
        if counts.get(path, 0) < recorded:
            shrunk.append(f"{path}: {counts.get(path, 0)} errors, baseline {recorded}")
    return grown, shrunk


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="record lower counts (never higher ones)")
    args = parser.parse_args()
    os.chdir(ROOT)
    patterns = strict_patterns()
    left_out = strict_files_left_out(patterns)
    counts, other, _status = run_mypy()
    baseline = read_baseline()
    grown, shrunk = compare(counts, baseline, patterns)
    if other:
        print("mypy did not run cleanly:", *other, sep="\n  ")
        return 1
    if left_out:
        print(
            "Named like a strict module but not in the strict section of pyproject.toml "
            "([[tool.mypy.overrides]] with disallow_untyped_defs):",
            *left_out,
            sep="\n  ",
        )
        return 1
    if grown:
        hint = "Run `.venv/bin/mypy` to see them, and fix them: the baseline never grows."
        print("mypy errors beyond the baseline (mypy-baseline.txt):", *grown, hint, sep="\n  ")
        return 1
    if args.update:
        write_baseline(counts)
        print(f"mypy-baseline.txt: {sum(counts.values())} errors in {len(counts)} files")
        return 0
    if shrunk:
        print(
            "Fewer mypy errors than the baseline records: run `scripts/mypy_baseline.py --update` to lower it.",
            *shrunk,
            sep="\n  ",
        )
        return 1
    print(f"mypy: {sum(counts.values())} errors in {len(counts)} files, none beyond the baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
