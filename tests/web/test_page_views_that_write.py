"""Page views that write (a fresh authenticator secret, a kiosk survey) succeed when another
request wrote after the view began: on SQLite a read transaction that later writes fails at
once with "database is locked" once another writer has committed, which five browsers on the
demo met as a 500 page."""

from collections.abc import Callable
from typing import Any

import pytest
from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from minwon.app import create_app
from minwon.db import write_session
from minwon.org import sessions
from web.pagetools import login


@pytest.fixture
def another_writer_after_each_look_up(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every staff session looked up is followed by a write of another request, committed
    before the page's own handler runs."""
    original: Callable[..., Any] = sessions.look_up

    def look_up_then_someone_writes(**kwargs: Any) -> Any:
        found = original(**kwargs)
        with write_session(engine) as other:
            other.execute(text("UPDATE office SET name = name || '.'"))
        return found

    monkeypatch.setattr(sessions, "look_up", look_up_then_someone_writes)


@pytest.mark.parametrize("path", ["/kiosk", "/account/totp"])
def test_a_page_that_writes_is_not_refused_by_a_write_in_between(
    engine: Engine, path: str, request: pytest.FixtureRequest
) -> None:
    build_world(engine)
    client = TestClient(create_app(engine=engine), raise_server_exceptions=False)
    login(client, "gr_officer")
    request.getfixturevalue("another_writer_after_each_look_up")
    for _ in range(2):
        page = client.get(path)
        assert page.status_code == 200, page.text[-500:]
