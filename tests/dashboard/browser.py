"""Real headless Chromium against a real HTTP server: shared by the browser tests and the
screenshots of the guide.

    python -m tests.dashboard.browser --data /tmp/demo --out docs/images

takes the guide's screenshots against a data folder loaded with `grants demo`
(it only reads: no form is submitted but those that ask for a confirmation, never
confirmed).
"""

from __future__ import annotations

import argparse
import threading
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
VIEWPORT = {"width": 1366, "height": 900}


@contextmanager
def serving(app):
    """Serve `app` over HTTP on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextmanager
def chromium():
    """Debian's Chromium, headless, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def log_in(page, base: str, username: str, password: str) -> None:
    """Log in through the form, and wait for the page it leads to."""
    page.goto(f"{base}/login")
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    with page.expect_navigation():
        page.click("form.stack button[type=submit]")


def shoot(page, path: Path, full_page: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page)


def guide_screenshots(data: str, out: Path) -> list[Path]:
    """The guide's screenshots, in Chinese and English, against the demo data."""
    from web.app import create_app, services

    app = create_app({"GRANTS_DATA": data, "SECRET_KEY": "screenshots"})
    with services(app).reader() as views:
        enterprise = views.db.execute(
            "SELECT e.enterprise_id FROM enterprises e JOIN windows w USING (enterprise_id) "
            "JOIN flags f USING (enterprise_id) WHERE f.cleared_on IS NULL "
            "GROUP BY e.enterprise_id ORDER BY count(DISTINCT w.application_id) DESC, "
            "e.awarded_fen DESC LIMIT 1").fetchone()[0]
        certified = [r[0] for r in views.db.execute(
            "SELECT application_id FROM applications WHERE status = 'certified' "
            "ORDER BY application_id")]
        as_of = views.db.execute(
            "SELECT at FROM history WHERE enterprise_id = ? AND event = 'TrancheDisbursed' "
            "ORDER BY at LIMIT 1", (enterprise,)).fetchone()[0]
        approved = views.db.execute(
            "SELECT a.application_id FROM applications a JOIN windows w USING (application_id) "
            "WHERE a.status = 'approved' AND EXISTS (SELECT 1 FROM tranches t WHERE "
            "t.application_id = a.application_id AND t.paid_on IS NOT NULL) "
            "ORDER BY a.application_id LIMIT 1").fetchone()[0]
    # an application that may still be approved, so that every staff action shows
    certified = next((a for a in certified if services(app).ledger.quote(a)["max_amount"]
                      != "0.00"), certified[0])
    taken = []
    with serving(app) as base, chromium() as browser:
        for lang in ("zh", "en"):
            locale = "zh-CN" if lang == "zh" else "en-GB"
            context = browser.new_context(viewport=VIEWPORT, locale=locale)
            page = context.new_page()
            page.goto(f"{base}/language/{lang}?next=/login")
            taken.append(out / f"login.{lang}.png")
            shoot(page, taken[-1], full_page=False)
            log_in(page, base, "staff", "staff-demo")
            for name, url, full in (
                ("home", "/", True),
                ("applications", "/applications?status=certified", False),
                ("enterprises", "/enterprises?sort=awarded", False),
                ("enterprise", f"/enterprises/{enterprise}", True),
                ("enterprise-as-of", f"/enterprises/{enterprise}?as_of={as_of}", False),
                ("application-staff", f"/applications/{certified}", True),
                ("application-approved", f"/applications/{approved}", True),
                ("submit", "/applications/new", True),
                ("register", "/enterprises/new", False),
                ("alerts", "/alerts", False),
                ("spend", "/spend", True),
                ("catalogue", "/catalogue", False),
                ("audit", "/audit?run=1&what_if=1", False),
            ):
                page.goto(base + url)
                taken.append(out / f"{name}.{lang}.png")
                shoot(page, taken[-1], full_page=full)
            # the confirmation a revocation asks for: decided, never saved
            page.goto(f"{base}/applications/{approved}")
            page.fill("#revoke-reason", "提供虚假材料" if lang == "zh" else "false materials")
            page.click(".action-revoke button[type=submit]")
            page.wait_for_load_state()
            taken.append(out / f"confirm.{lang}.png")
            shoot(page, taken[-1], full_page=False)
            narrow = browser.new_context(viewport={"width": 390, "height": 844}, locale=locale)
            small = narrow.new_page()
            small.goto(f"{base}/language/{lang}?next=/login")
            log_in(small, base, "staff", "staff-demo")
            small.goto(base + "/")
            taken.append(out / f"home-390.{lang}.png")
            shoot(small, taken[-1], full_page=False)
            narrow.close()
            context.close()
            context = browser.new_context(viewport=VIEWPORT, locale=locale)
            page = context.new_page()
            page.goto(f"{base}/language/{lang}?next=/login")
            log_in(page, base, "auditor", "auditor-demo")
            page.goto(f"{base}/applications/{certified}")
            taken.append(out / f"application-auditor.{lang}.png")
            shoot(page, taken[-1], full_page=False)
            context.close()
            context = browser.new_context(viewport=VIEWPORT, locale=locale)
            page = context.new_page()
            page.goto(f"{base}/language/{lang}?next=/login")
            log_in(page, base, "admin", "admin-demo")
            page.goto(f"{base}/users")
            taken.append(out / f"users.{lang}.png")
            shoot(page, taken[-1], full_page=False)
            page.goto(f"{base}/users/staff")  # one user's card: password, role, token
            taken.append(out / f"user.{lang}.png")
            shoot(page, taken[-1], full_page=False)
            # the confirmation disabling asks for: shown, never confirmed
            page.goto(f"{base}/users")
            page.click("#user-staff button.danger")
            page.wait_for_load_state()
            taken.append(out / f"confirm-disable.{lang}.png")
            shoot(page, taken[-1], full_page=False)
            context.close()
    services(app).close()
    return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a data folder loaded with grants demo")
    parser.add_argument("--out", default="docs/images")
    args = parser.parse_args()
    for path in guide_screenshots(args.data, Path(args.out)):
        print(path)


if __name__ == "__main__":
    main()
