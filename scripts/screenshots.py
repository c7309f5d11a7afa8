"""Screenshots of the main pages of a running minwon demo, at desktop and phone width, for
before/after comparisons in notes and reviews (the PNG files are not committed).

    .venv/bin/minwon demo --voices 300 --port 8123 &       # or make demo PORT=8123
    .venv/bin/python scripts/screenshots.py --base http://127.0.0.1:8123 --out screenshots/after

Uses Playwright with Debian's chromium (never a downloaded browser).
"""

import argparse
import re
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
CITIZEN_PAGES = ["/submit", "/track", "/patrols/request"]
STAFF = {
    "gr01.lead": ["/", "/ledger", "/ledger/deadlines"],
    "gr01.1": ["/", "/outreach"],
    "gr.cs": ["/", "/surveys", "/dashboard", "/analysis"],
    "hq": ["/", "/analysis", "/reports"],
    "admin": ["/admin", "/admin/security"],
}


def _name(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


def _log_in(page: Page, base: str, login: str, password: str) -> bool:
    """Sign in through the login form; False when the demo refuses (e.g. another password)."""
    page.goto(f"{base}/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.click("form[action='/login'] button[type=submit]")
    return "/login" not in page.url


def capture(base: str, out: Path, password: str) -> list[Path]:
    """Every citizen page and each role's main pages at both sizes; returns the files."""
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for size, (width, height) in SIZES.items():
            for who, paths in [("citizen", CITIZEN_PAGES), *STAFF.items()]:
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                if who != "citizen" and not _log_in(page, base, who, password):
                    sys.stderr.write(f"{who}: could not sign in, skipped\n")
                    context.close()
                    continue
                for path in paths:
                    page.goto(f"{base}{path}")
                    file = out / f"{size}-{who}-{_name(path)}.png"
                    page.screenshot(path=str(file), full_page=True)
                    files.append(file)
                context.close()
        browser.close()
    return files


def main() -> None:
    """Parse the arguments and write the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000", help="the demo's address")
    parser.add_argument("--out", default="screenshots/now", help="folder for the PNG files")
    parser.add_argument("--password", default="minwon-demo-pass", help="the demo password")
    args = parser.parse_args()
    files = capture(args.base.rstrip("/"), Path(args.out), args.password)
    sys.stdout.write(f"{len(files)} screenshots in {args.out}\n")


if __name__ == "__main__":
    main()
