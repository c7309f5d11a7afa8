"""No id is written twice on the pages whose forms share field names (the admin page, the
Open311 page, a suspension's appeal and lift forms): each label names its own field."""

import re
from collections import Counter

import pytest
import sqlalchemy
from sqlalchemy import Engine

from web.pagetools import DEMO_PASSWORD, client_for, login

ID = re.compile(r'\sid="([^"]+)"')


def _twice(html: str) -> list[str]:
    return sorted(i for i, n in Counter(ID.findall(html)).items() if n > 1)


@pytest.mark.parametrize("demo_engine", ["sqlite"], indirect=True)
def test_forms_that_share_field_names_give_each_field_its_own_id(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        suspension = conn.scalar(sqlalchemy.text("SELECT min(id) FROM protection_suspension"))
    assert suspension is not None, "the demo has no suspension"
    client = client_for(demo_engine)
    login(client, "admin", DEMO_PASSWORD)
    for path in ("/admin", "/admin/open311", f"/protection/suspensions/{suspension}"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert _twice(page.text) == [], path
