"""The layout's menu: staff get a menu button that folds the menu on a phone (scripts are files:
the CSP forbids inline ones), the first screen and the monthly report are menu items of every
staff role; citizens keep their two links without a button."""

import re

import pytest
from factories import build_world
from sqlalchemy import Engine

from web.pagetools import client_for, login


@pytest.mark.parametrize("who", ["gr_officer", "gr_lead", "gr_cs", "hq", "admin"])
def test_staff_menu_has_a_button_the_first_screen_and_the_monthly_report(
    engine: Engine, who: str
) -> None:
    build_world(engine)
    client = client_for(engine)
    page = login(client, who).text
    assert re.search(
        r'<button type="button" class="menu-button" aria-controls="main-nav" '
        r'aria-expanded="false" data-menu>',
        page,
    )
    nav = page.split('<nav id="main-nav"', 1)[1].split("</nav>", 1)[0]
    assert '<a href="/reports/monthly">월간 보고서</a>' in nav
    assert 'aria-current="page">할 일</a>' in nav  # the first screen, where login lands
    assert client.get("/reports/monthly").status_code == 200
    assert '<script src="/static/early.js"></script>' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), "an inline script"


def test_citizens_have_no_menu_button(engine: Engine) -> None:
    build_world(engine)
    page = client_for(engine).get("/").text
    assert "menu-button" not in page and 'href="/track"' in page


def test_static_scripts_fold_the_menu_and_mark_the_page_as_scripted(engine: Engine) -> None:
    build_world(engine)
    client = client_for(engine)
    early = client.get("/static/early.js")
    assert early.status_code == 200 and 'classList.add("js")' in early.text
    app = client.get("/static/app.js").text
    assert "[data-menu]" in app and "aria-expanded" in app
