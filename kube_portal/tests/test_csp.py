"""The Content-Security-Policy: sent on every page, strict, and met by every template.

The policy allows scripts and styles from this site only (no 'unsafe-inline', no eval), so
a template may hold no inline <script>, no inline event handler and no style attribute.
The template scan below catches a new one before a browser does; the browser test opens
the main pages of every role in Chromium and fails on any violation it reports.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


def project_templates() -> list[Path]:
    root = Path(settings.BASE_DIR)
    return [
        path
        for path in sorted(root.glob("**/templates/**/*.html"))
        if ".venv" not in path.parts and "node_modules" not in path.parts
    ]


def test_the_policy_is_sent_and_strict(client, admin_user):
    client.force_login(admin_user)
    for url in ("/", "/kpm/", "/akun/masuk/", "/dasbor/"):
        policy = client.get(url, follow=True).headers["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["script-src"] == "'self'"
        assert directives["style-src"] == "'self'"
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
        assert "unsafe" not in policy


def test_no_template_holds_inline_script_handlers_or_styles():
    found = []
    for path in project_templates():
        text = path.read_text()
        for pattern, what in (
            (INLINE_SCRIPT, "inline script"),
            (EVENT_HANDLER, "event handler"),
            (STYLE_ATTRIBUTE, "style"),
        ):
            found += [
                f"{path.relative_to(settings.BASE_DIR)}: {what}: {m.group(0)[:60]}" for m in pattern.finditer(text)
            ]
    assert found == []


def test_the_scan_finds_what_it_looks_for():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/a.js"></script>')
    assert not INLINE_SCRIPT.search('<script id="x" type="application/json">{}</script>')
    assert EVENT_HANDLER.search('<button class="btn" onclick="go()">')
    assert STYLE_ATTRIBUTE.search('<div class="a" style="width: 5%">')
    assert not STYLE_ATTRIBUTE.search('<div data-style="x">')


def test_chart_data_travels_as_json_not_as_script(client, admin_user):
    """The dashboard's chart figures are a JSON block that static JavaScript reads."""
    client.force_login(admin_user)
    html = Client().get("/").content.decode() + client.get("/dasbor/", follow=True).content.decode()
    assert 'type="application/json"' in html
    assert not INLINE_SCRIPT.search(html)
