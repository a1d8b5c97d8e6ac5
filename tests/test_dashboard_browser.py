"""The dashboard served for real (`partner dashboard`) and every page loaded in headless Chromium:
charts drawn, no error shown. Screenshots land in the test's folder; with
UPDATE_SCREENSHOTS=1 the program and partner pages are copied to docs/ for the README."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from dashboard_helpers import SAMPLE, SAMPLE_AS_OF

from dagster_project.settings import PROJECT_ROOT

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# url path -> what shows the page has drawn its content (the default page, Program, is at "/")
PAGES = {
    "": "[data-testid=stVegaLiteChart]",
    "partners": "[data-testid=stVegaLiteChart]",
    "partner_types": "[data-testid=stVegaLiteChart]",
    "attribution": "[data-testid=stVegaLiteChart]",
    "mdf": "[data-testid=stVegaLiteChart]",
    "worklist": "[data-testid=stDataFrame]",
    "data_health": "[data-testid=stVegaLiteChart]",
}
README_SCREENSHOTS = ("program", "partners")


DRAWN = "[data-testid=stVegaLiteChart] canvas, [data-testid=stVegaLiteChart] svg"


def _name(path: str) -> str:
    return path or "program"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(build_warehouse):
    if shutil.which("chromium") is None:
        pytest.skip("no chromium: install it with `apt-get install -y chromium` (Debian)")
    port = _free_port()
    env = {**os.environ, "PARTNER_WAREHOUSE": str(build_warehouse(SAMPLE, SAMPLE_AS_OF))}
    server = subprocess.Popen(
        [sys.executable, "-m", "dagster_project.cli", "dashboard", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the dashboard server did not start") from None
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_every_page_draws_in_a_real_browser(served, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1400})
        try:
            for path, content in PAGES.items():
                page.goto(f"{served}/{path}", wait_until="networkidle", timeout=120_000)
                page.wait_for_selector(content, timeout=120_000)
                if "VegaLite" in content:
                    # Vega has drawn once a chart holds its canvas (or svg)
                    page.wait_for_selector(DRAWN, timeout=120_000)
                    if os.environ.get("UPDATE_SCREENSHOTS"):
                        page.wait_for_timeout(1500)  # every chart of the page, for the README
                assert page.locator("[data-testid=stException]").count() == 0, path
                assert page.get_by_text("Page not found").count() == 0, path
                assert page.get_by_text(f"as of {SAMPLE_AS_OF}").count() >= 1, path
                if "VegaLite" in content:
                    assert page.locator(DRAWN).count() > 0, f"{path}: no chart canvas"
                screenshot = tmp_path / f"dashboard_{_name(path)}.png"
                page.screenshot(path=str(screenshot), full_page=_name(path) in README_SCREENSHOTS)
                if os.environ.get("UPDATE_SCREENSHOTS") and _name(path) in README_SCREENSHOTS:
                    shutil.copyfile(screenshot, PROJECT_ROOT / "docs" / screenshot.name)
        finally:
            browser.close()
