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

    def __init__(self, browser, live_server, user=None):
        self.context = browser.new_context(viewport=PHONE, locale="id-ID")
        if user is not None:
            client = Client()
            client.force_login(user)
            cookies = [{"name": name, "value": c.value, "url": live_server.url} for name, c in client.cookies.items()]
            self.context.add_cookies(cookies)
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.errors: list[str] = []
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(f"script error: {error}"))

    def check(self, url: str, shot: str) -> list[str] | None:
        """Problems of the page at `url` on a phone and on a laptop; None if it is not a page of this role.

        A role's pages are those it may open: a 403 or 404 answer, or a redirect, is another role's page.
        """
        self.errors.clear()
        self.page.set_viewport_size(PHONE)
        response = self.page.goto(url, wait_until="load")
        if response.status != 200 or response.request.redirected_from is not None:
            return None
        problems = []
        for label, size in (("360", PHONE), ("1366", LAPTOP)):
            if size is not PHONE:
                self.page.set_viewport_size(size)
            overflow = self.page.evaluate(OVERFLOW)
            if overflow > 0:
                problems.append(f"{overflow} px wider than the {label} px screen: {self.page.evaluate(CULPRIT)}")
            # JPEG: a tenth of the time of a PNG of a long page, and enough to look at.
            self.page.screenshot(path=SCREENSHOTS / f"{shot}-{label}.jpg", full_page=True, type="jpeg", quality=70)
        problems += [f"console: {error}" for error in self.errors]
        return problems


def test_every_page_of_every_role_fits_a_phone_and_a_laptop(browser, live_server, regions):
    world = seed_world()
    urls = page_urls(world)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems, opened = [], {}
    for role in ROLES:
        tab = Tab(browser, live_server, world.users[role])
        for name, path in urls.items():
            found = tab.check(live_server.url + path, f"{role}-{name.replace(':', '-')}")
            if found is not None:
                opened.setdefault(name, []).append(role)
                problems += [f"{role} {path} ({name}): {problem}" for problem in found]
        tab.context.close()
    tab = Tab(browser, live_server)  # logged out: the login page
    problems += [f"login: {problem}" for problem in tab.check(live_server.url + "/akun/masuk/", "anonymous-login")]
    tab.context.close()
    assert sorted(set(urls) - set(opened)) == [], "pages that no role could open"
    visited = sum(len(roles) for roles in opened.values())
    assert problems == [], f"{len(problems)} problems on {visited} pages:\n" + "\n".join(problems)
