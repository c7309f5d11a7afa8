"""Survey codes: 12 characters from an alphabet without look-alikes, printed in groups of four,
typed in any case with or without hyphens and spaces; the 8-digit codes issued before keep
opening their surveys until they expire."""

import re

import pytest
from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from web.pagetools import csrf

from minwon.app import create_app
from minwon.db import write_session
from minwon.org import service as org
from minwon.surveys import invitations, templates
from minwon.surveys.invitations import (
    CODE_ALPHABET,
    CODE_LENGTH,
    Target,
    by_code,
    display_code,
    normalise_code,
)
from minwon.surveys.models import SurveyInvitation
from minwon.timeutil import utcnow


def _issue(engine: Engine, *, legacy: str | None = None) -> str:
    """A new open invitation of office GR; ``legacy`` replaces its code by an old 8-digit one."""
    build_world(engine)
    with write_session(engine) as db:
        org_id = org.find_organization(db_session=db, ref="KNPA").id
        template = templates.ensure_defaults(db_session=db, organization_id=org_id)[0]
        office_id = org.find_office(db_session=db, ref="GR").id
        issued = invitations.issue(
            db, template, Target(office_id=office_id), via="letter", now=utcnow()
        )
        assert issued is not None
        if legacy:
            issued.invitation.short_code = legacy
        return issued.invitation.short_code


def test_the_guess_probability_is_below_one_in_a_million() -> None:
    """With 10,000 open invitations in one office, one guess hits one of them with probability
    10,000 / 30**12 ≈ 1.9e-14 (the alphabet has 30 symbols, a code 12 of them)."""
    assert len(CODE_ALPHABET) == 30 and CODE_LENGTH == 12
    probability = 10_000 / len(CODE_ALPHABET) ** CODE_LENGTH
    assert probability < 1e-6
    assert f"{probability:.1e}" == "1.9e-14"


def test_the_alphabet_has_no_look_alikes() -> None:
    assert not set("01OILU") & set(CODE_ALPHABET)
    assert len(set(CODE_ALPHABET)) == len(CODE_ALPHABET)


def test_a_new_code_is_twelve_symbols_printed_in_groups_of_four(engine: Engine) -> None:
    code = _issue(engine)
    assert len(code) == 12 and set(code) <= set(CODE_ALPHABET)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", display_code(code))


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("7KQM-3XHD-9RTW", "7KQM3XHD9RTW"),
        ("7kqm 3xhd 9rtw", "7KQM3XHD9RTW"),
        (" 7kqm3xhd9RTW ", "7KQM3XHD9RTW"),
        ("1234-5678", "12345678"),
        ("1234 5678", "12345678"),
    ],
)
def test_typed_codes_are_normalised(typed: str, stored: str) -> None:
    assert normalise_code(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "1234",
        "7KQM-3XHD-9RT",
        "7KQM-3XHD-9RTWX",
        "7KQM-3XHD-9RT0",
        "OKQM-3XHD-9RTW",
        "7KQM-3XHD-9RTI",
        "1234567A",
        "１２３４５６７８",
        "7KQM_3XHD_9RTW",
    ],
)
def test_what_cannot_be_a_code_is_refused(typed: str) -> None:
    assert normalise_code(typed) is None


def test_a_code_opens_its_survey_however_it_is_typed(engine: Engine) -> None:
    code = _issue(engine)
    with write_session(engine) as db:
        for typed in (code, code.lower(), display_code(code), display_code(code).replace("-", " ")):
            found = by_code(db, typed)
            assert found is not None and found.short_code == code
    client = TestClient(create_app(engine=engine))
    token = csrf(client, "/s")
    opened = client.post("/s", data={"code": display_code(code).lower(), "csrf_token": token})
    assert opened.status_code == 200 and "<form" in opened.text
    assert str(opened.url).endswith(f"/s/c/{code}")


def test_an_old_eight_digit_code_still_opens_its_survey(engine: Engine) -> None:
    _issue(engine, legacy="20261125")
    client = TestClient(create_app(engine=engine))
    token = csrf(client, "/s")
    opened = client.post("/s", data={"code": "2026-1125", "csrf_token": token})
    assert opened.status_code == 200 and str(opened.url).endswith("/s/c/20261125")
    with write_session(engine) as db:
        assert db.scalars(select(SurveyInvitation.short_code)).one() == "20261125"


def test_an_unknown_code_gets_a_korean_page_and_changes_nothing(engine: Engine) -> None:
    code = _issue(engine)
    client = TestClient(create_app(engine=engine))
    wrong = "2345-6789-ABCD" if code != "23456789ABCD" else "3456-789A-BCDE"
    answer = client.post("/s", data={"code": wrong, "csrf_token": csrf(client, "/s")})
    assert answer.status_code == 404 and "12자리" in answer.text
    assert f'value="{wrong}"' in answer.text
    with write_session(engine) as db:
        assert db.scalars(select(SurveyInvitation.used_at)).one() is None
