"""Shared set-up for browser tests: a live minwon server and Debian's chromium."""

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, ViewportSize
from sqlalchemy import Engine

from minwon.app import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def require_chromium() -> None:
    """Skip without chromium on a developer machine; under CI its absence is an error."""
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI") == "true":
        pytest.fail("CI must have Debian's chromium (apt-get install chromium)")
    pytest.skip("Debian chromium is not installed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_server(engine: Engine) -> Iterator[str]:
    """Serve minwon on ``engine`` at a free loopback port for the duration of the block."""
    with live_server_app(create_app(engine=engine)) as base:
        yield base


@contextmanager
def live_server_app(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn at a free loopback port for the duration of the block."""
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("minwon did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def logged_in_page(
    browser: Browser, base: str, login: str, password: str, size: tuple[int, int] | None = None
) -> Page:
    """A new page (``size``: width and height, else the browser's default) logged in through
    the login form as ``login``."""
    viewport = ViewportSize(width=size[0], height=size[1]) if size else None
    page = browser.new_page(viewport=viewport)
    page.goto(f"{base}/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def open_menu(page: Page) -> None:
    """Unfold the phone menu through its button, checking it was folded and says so after."""
    button = page.locator("button.menu-button")
    assert button.is_visible(), "no menu button on the phone"
    assert button.get_attribute("aria-expanded") == "false"
    assert not page.locator("nav.nav a").first.is_visible(), "the menu is open before it is asked"
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
