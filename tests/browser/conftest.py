"""Real-browser journeys: Debian's Chromium driven by Playwright against the live test server."""
import os
import shutil

import pytest

from tests.factories import make_world

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
    "--disable-background-networking", "--disable-component-update",
]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are ordinary blocking calls, so Django's async guard does not apply.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


@pytest.fixture
def bworld(transactional_db):
    return make_world()


@pytest.fixture
def shots(tmp_path_factory):
    """Where journeys leave screenshots (kept under var/screenshots when SCREENSHOT_DIR is set)."""
    path = os.environ.get("SCREENSHOT_DIR")
    return path if path else str(tmp_path_factory.mktemp("shots"))
