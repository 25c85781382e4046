"""Every page of every role fits a 360 px phone and a 1366 px laptop, without a console error.

The pages are those of tests/page_walk.py (the URL conf walked over the seeded demo world).
Each role opens each of its pages once on a 360×740 phone; the same tab is then widened to
1366×768, so a page costs one load. At both widths the document must not scroll sideways
(`scrollWidth <= innerWidth`); any console error or uncaught script error fails. Screenshots
of both widths go to .local/screenshots/every-page/ (KUBE_SCREENSHOTS to change), to look at.
"""

import os
from pathlib import Path

import pytest
from django.test import Client

from tests.page_walk import ROLES, page_urls, seed_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
LAPTOP = {"width": 1366, "height": 768}
SCREENSHOTS = Path(os.environ.get("KUBE_SCREENSHOTS") or Path(__file__).parent.parent / ".local/screenshots/every-page")

OVERFLOW = "document.scrollingElement.scrollWidth - window.innerWidth"
#: The widest element that sticks out of the viewport, to name in a failure.
CULPRIT = """() => {
  let widest = null, right = window.innerWidth;
  for (const element of document.body.querySelectorAll('*')) {
    const box = element.getBoundingClientRect();
    if (box.right > right + 1 && box.width > 0) { right = box.right; widest = element; }
  }
  if (!widest) return '';
  const classes = typeof widest.className === 'string' ? widest.className.trim().replace(/\\s+/g, '.') : '';
  return widest.tagName.toLowerCase() + (classes ? '.' + classes : '') + ' to ' + Math.round(right) + ' px';
}"""


class Tab:
    """One tab of a role, reused for all its pages; what Chromium reports while each page loads."""

    def __init__(self, browser, live_server, user):
        client = Client()
        client.force_login(user)
        self.context = browser.new_context(viewport=PHONE, locale="id-ID")
        self.context.add_cookies(
            [{"name": name, "value": morsel.value, "url": live_server.url} for name, morsel in client.cookies.items()]
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.errors: list[str] = []
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(f"script error: {error}"))

    def check(self, url: str, shot: str) -> list[str]:
        """Problems of the page at `url` on a phone and on a laptop."""
        self.errors.clear()
        self.page.set_viewport_size(PHONE)
        response = self.page.goto(url, wait_until="load")
        problems = [] if response.ok else [f"answered {response.status}"]
        for label, size in (("360", PHONE), ("1366", LAPTOP)):
            if size is not PHONE:
                self.page.set_viewport_size(size)
            overflow = self.page.evaluate(OVERFLOW)
            if overflow > 0:
                problems.append(f"{overflow} px wider than the {label} px screen: {self.page.evaluate(CULPRIT)}")
            self.page.screenshot(path=SCREENSHOTS / f"{shot}-{label}.png", full_page=True)
        problems += [f"console: {error}" for error in self.errors]
        return problems


def test_every_page_of_every_role_fits_a_phone_and_a_laptop(browser, live_server, regions):
    world = seed_world()
    urls = page_urls(world)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems, visited = [], 0
    for role in ROLES:
        tab = Tab(browser, live_server, world.users[role])
        for name, path in urls.items():
            # A role's pages are those it may open: a 403/404 page or a redirect is another role's page.
            probe = tab.context.request.get(live_server.url + path, max_redirects=0)
            if probe.status != 200 or not probe.headers.get("content-type", "").startswith("text/html"):
                continue
            visited += 1
            shot = f"{role}-{name.replace(':', '-')}"
            problems += [f"{role} {path} ({name}): {problem}" for problem in tab.check(live_server.url + path, shot)]
        tab.context.close()
    # Logged out: the login page.
    anonymous = browser.new_context(viewport=PHONE, locale="id-ID")
    tab = Tab.__new__(Tab)
    tab.context, tab.page, tab.errors = anonymous, anonymous.new_page(), []
    tab.page.on("console", lambda message: message.type == "error" and tab.errors.append(message.text))
    problems += [f"login: {problem}" for problem in tab.check(live_server.url + "/akun/masuk/", "anonymous-login")]
    anonymous.close()
    assert visited > 100, f"only {visited} pages visited: the walk lost its pages"
    assert problems == [], f"{len(problems)} problems on {visited} pages:\n" + "\n".join(problems)
