"""Helpers for page tests: clients, CSRF tokens from forms, logging in, counting rows."""

import re

import httpx
from factories import PASSWORD, World, build_world, voice_json
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text

from minwon.app import create_app
from minwon.config import Settings
from minwon.db import session_factory
from minwon.voices.models import Voice

DEMO_PASSWORD = "minwon-demo-pass"
"""The password of every demo account (``minwon demo``)."""
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def client_for(engine: Engine, **settings: object) -> TestClient:
    """A browser-like client on the app over ``engine`` (cookies kept, redirects followed)."""
    return TestClient(create_app(settings=Settings(**settings), engine=engine))


def csrf(client: TestClient, path: str = "/login") -> str:
    """The CSRF token of the form on ``path``."""
    match = CSRF_RE.search(client.get(path).text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD) -> httpx.Response:
    """Log in through the login form as ``name``."""
    data = {"login": name, "password": password, "next": "/", "csrf_token": csrf(client)}
    return client.post("/login", data=data)


def post_form(
    client: TestClient, path: str, data: dict[str, str], form_page: str, **kw: object
) -> httpx.Response:
    """Post ``data`` to ``path`` with the CSRF token of the form on ``form_page``."""
    return client.post(path, data={**data, "csrf_token": csrf(client, form_page)}, **kw)


def count_voices(engine: Engine) -> int:
    """How many voices the database holds."""
    with session_factory(engine)() as db:
        return db.scalar(select(func.count(Voice.id))) or 0


def api_voice(client: TestClient, world: World, login_name: str = "gr_officer", **kw: object):
    """Record a voice through the API as ``login_name``; returns the intake answer."""
    body = voice_json(**({"unit": "GR01"} | kw))
    response = client.post("/api/v1/voices", json=body, headers=world.auth(login_name))
    assert response.status_code == 201, response.text
    return response.json()


def signed_in_with_a_voice(engine: Engine, login_name: str) -> tuple[TestClient, World]:
    """The test organisation with one voice in GR01 and ``login_name`` signed in on the pages."""
    world = build_world(engine)
    client = TestClient(create_app(engine=engine))
    api_voice(client, world)
    login(client, login_name)
    return client, world


def is_html_page(response: httpx.Response) -> bool:
    """True for a full HTML page (the layout), never JSON or a traceback."""
    text = response.text
    return (
        response.headers["content-type"].startswith("text/html")
        and text.lstrip().startswith("<!doctype html>")
        and "Traceback" not in text
    )


def data_names(engine: Engine) -> list[str]:
    """The demo's own Korean words: names of the organisation, offices, units (and their
    duties), categories, staff, places and kinds of unit, longest first."""
    queries = [
        "select name from organization",
        "select name from office",
        "select name from unit",
        "select kind from unit",
        "select duties from unit",
        "select name from category",
        "select name from staff",
        "select dong from routing_rule",
    ]
    names: set[str] = set()
    with engine.connect() as conn:
        for query in queries:
            names.update(str(v) for (v,) in conn.execute(text(query)) if v)
    return sorted(names, key=len, reverse=True)
