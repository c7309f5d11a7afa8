"""The residents' patrol form takes a request only for a unit its own list offers (a police box,
never another agency's team or a front desk) and an e-mail address only with consent to its use,
as the citizens' form (/submit) asks it in the same words; a refused request comes back in the
reader's language with everything typed kept, nothing stored, and the throttle still counting
only requests taken."""

import html
from html.parser import HTMLParser

import httpx
import pytest
from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web.pagetools import csrf, login

from minwon.app import create_app
from minwon.config import Settings
from minwon.db import write_session
from minwon.errors import InvalidFields
from minwon.org import service as org_service
from minwon.outreach import patrol_requests
from minwon.outreach.models import PatrolRequest
from minwon.outreach.patrol_requests import RequestIn
from minwon.timeutil import to_kst, utcnow
from minwon.web.error_texts import in_language
from minwon.web.i18n import translate

CONSENT = (
    "연락처를 남기시려면 개인정보 수집·이용에 동의해 주세요. "
    "동의하지 않으시면 연락처를 지워 주세요."
)
CONSENT_EN = "To leave contact details, please agree to their collection and use — or clear them."
NO_UNIT = "순찰을 부탁할 지구대·파출소를 고르세요."
NO_UNIT_EN = "Choose the police box that should patrol."
NOT_OFFERED = ["DJ01", "GR00", "XX99", " "]
"""Another agency's team (OK팀), a front desk (민원실), a code that does not exist, none."""


def _typed(**overrides: str) -> dict[str, str]:
    """The form as a resident fills it in: an e-mail address and no consent."""
    return {
        "unit": "GR01",
        "place": "구로동 거리공원 정문",
        "dong": "구로3동",
        "day": to_kst(utcnow()).date().isoformat(),
        "start_hour": "22",
        "end_hour": "2",
        "reason": "밤에 어둡습니다",
        "email": "a@example.com",
    } | overrides


def _post(client: TestClient, typed: dict[str, str], lang: str = "") -> httpx.Response:
    token = csrf(client, "/patrols/request")
    path = "/patrols/request" + (f"?lang={lang}" if lang else "")
    return client.post(path, data={**typed, "csrf_token": token})


def _stored(engine: Engine) -> int:
    with write_session(engine) as db:
        return db.scalar(select(func.count(PatrolRequest.id))) or 0


class _Fields(HTMLParser):
    """The values a form shows: inputs (a checkbox "on" when ticked), textareas, selects."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.options: list[str] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name and a.get("type") != "hidden":
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.values[name] = "on"
            else:
                self.values[name] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            self.values[name] = ""
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select:
            if self._select == "unit" and a.get("value"):
                self.options.append(a["value"])
            if "selected" in a:
                self.values[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data


def _fields(page: str) -> _Fields:
    form = page.split('action="/patrols/request"', 1)[1].split("</form>", 1)[0]
    parser = _Fields()
    parser.feed("<form " + form)
    return parser


def _kept(page: str, typed: dict[str, str], *, but: tuple[str, ...] = ()) -> None:
    shown = _fields(page).values
    for name, value in typed.items():
        if name not in but:
            assert shown.get(name) == value, (name, shown.get(name), value)


def _field_error(page: str, name: str) -> str:
    start = page.index(f'<p class="field-error" id="err-{name}">')
    return html.unescape(page[start:].split(">", 1)[1].split("</p>", 1)[0])


# ---- the rule and its words --------------------------------------------------------------------


def test_the_consent_message_is_the_citizens_form_s_own_in_both_languages() -> None:
    assert translate("ko", "err_consent") == CONSENT
    assert in_language("en", CONSENT) == translate("en", "err_consent") == CONSENT_EN
    assert in_language("en", NO_UNIT) == NO_UNIT_EN


def _request(**overrides: object) -> RequestIn:
    fields: dict[str, object] = {
        "unit": "GR01",
        "place": "구로동 거리공원 정문",
        "day": to_kst(utcnow()).date(),
        "start_hour": 22,
        "end_hour": 2,
        "email": "a@example.com",
    }
    return RequestIn(**(fields | overrides))  # type: ignore[arg-type]


def test_the_service_refuses_an_address_without_consent_and_stores_nothing(
    engine: Engine,
) -> None:
    build_world(engine)
    for data in (_request(), _request(email=" a@example.com ", place="")):
        with pytest.raises(InvalidFields) as refused, write_session(engine) as db:
            patrol_requests.submit(db, data=data)
        assert refused.value.errors["consent"] == CONSENT
    assert set(refused.value.errors) == {"place", "consent"}  # every field at fault at once
    assert _stored(engine) == 0
    with write_session(engine) as db:
        given = patrol_requests.submit(db, data=_request(consent=True))
        none = patrol_requests.submit(db, data=_request(email=""))
        assert (given.email, given.consent) == ("a@example.com", True)
        assert (none.email, none.consent) == ("", False)
    assert _stored(engine) == 2


@pytest.mark.parametrize("code", NOT_OFFERED)
def test_the_service_refuses_a_unit_the_form_does_not_offer(engine: Engine, code: str) -> None:
    build_world(engine)
    with pytest.raises(InvalidFields) as refused, write_session(engine) as db:
        patrol_requests.submit(db, data=_request(unit=code, consent=True))
    assert refused.value.errors == {"unit": NO_UNIT}
    with pytest.raises(InvalidFields) as both, write_session(engine) as db:
        patrol_requests.submit(db, data=_request(unit=code, place=""))
    assert set(both.value.errors) == {"unit", "place", "consent"}
    assert _stored(engine) == 0


def test_a_unit_is_taken_exactly_when_the_form_s_list_offers_it(engine: Engine) -> None:
    """The form's list and the check are one rule (``patrol_units``): every unit there is,
    the police boxes GR01 and GR02 taken, the rest refused."""
    build_world(engine)
    client = TestClient(create_app(engine=engine))
    offered = _fields(client.get("/patrols/request").text).options
    assert sorted(offered) == ["GR01", "GR02"]
    with write_session(engine) as db:
        every = [u.code for u in org_service.list_units(db_session=db)]
        assert [u.code for u in patrol_requests.patrol_units(db)] == offered
        taken = [c for c in every if patrol_requests.offered_unit(db, c) is not None]
    assert taken == offered and {"GR00", "DJ01"} <= set(every)
    for code in every:
        answer = _post(client, _typed(unit=code, consent="on"))
        assert answer.status_code == (200 if code in offered else 422), code
    assert _stored(engine) == len(offered)


def test_without_any_police_box_every_unit_is_offered_and_taken(engine: Engine) -> None:
    with write_session(engine) as db:
        o = org_service.create_organization(db_session=db, code="LH", name="토지공사")
        office = org_service.create_office(db_session=db, organization=o, code="DJ", name="대전")
        org_service.create_unit(db_session=db, office=office, code="DJ00", name="OK팀")
    client = TestClient(create_app(engine=engine))
    assert _fields(client.get("/patrols/request").text).options == ["DJ00"]
    assert _post(client, _typed(unit="DJ00", consent="on")).status_code == 200
    assert _stored(engine) == 1


# ---- the residents' page -----------------------------------------------------------------------


def test_the_page_refuses_an_address_without_consent_and_keeps_what_was_typed(
    engine: Engine,
) -> None:
    build_world(engine)
    client = TestClient(create_app(engine=engine))
    typed = _typed()
    refused = _post(client, typed)
    assert refused.status_code == 422
    assert _field_error(refused.text, "consent") == CONSENT
    assert CONSENT in html.unescape(refused.text.split('role="alert">', 1)[1])
    _kept(refused.text, typed)
    assert "consent" not in _fields(refused.text).values  # left unticked, as sent
    assert _stored(engine) == 0

    taken = _post(client, typed | {"consent": "on"})
    assert taken.status_code == 200
    cleared = _post(client, typed | {"email": ""})
    assert cleared.status_code == 200
    with write_session(engine) as db:
        rows = db.scalars(select(PatrolRequest).order_by(PatrolRequest.id)).all()
        assert [(r.email, r.consent) for r in rows] == [("a@example.com", True), ("", False)]


def test_the_consent_refusal_in_english(engine: Engine) -> None:
    build_world(engine)
    client = TestClient(create_app(engine=engine))
    typed = _typed(place="Guro park gate")
    refused = _post(client, typed, lang="en")
    assert refused.status_code == 422
    assert _field_error(refused.text, "consent") == CONSENT_EN
    assert "동의해 주세요" not in refused.text
    _kept(refused.text, typed)
    assert _stored(engine) == 0


@pytest.mark.parametrize("code", ["DJ01", "GR00"])
def test_the_page_refuses_a_unit_its_list_does_not_offer_and_keeps_the_rest(
    engine: Engine, code: str
) -> None:
    build_world(engine)
    client = TestClient(create_app(engine=engine))
    typed = _typed(unit=code, consent="on")
    refused = _post(client, typed)
    assert refused.status_code == 422
    assert _field_error(refused.text, "unit") == NO_UNIT
    assert NO_UNIT in refused.text.split('role="alert">', 1)[1].split("</p>", 1)[0]
    _kept(refused.text, typed, but=("unit",))
    assert _fields(refused.text).values["unit"] == ""  # the prompt, to choose again
    assert _stored(engine) == 0

    english = _post(client, typed, lang="en")
    assert english.status_code == 422
    assert _field_error(english.text, "unit") == NO_UNIT_EN
    _kept(english.text, typed, but=("unit",))
    assert _stored(engine) == 0


def test_a_wrong_unit_and_a_missing_consent_are_named_together(engine: Engine) -> None:
    build_world(engine)
    client = TestClient(create_app(engine=engine))
    typed = _typed(unit="DJ01")
    refused = _post(client, typed)
    assert refused.status_code == 422
    assert _field_error(refused.text, "unit") == NO_UNIT
    assert _field_error(refused.text, "consent") == CONSENT
    _kept(refused.text, typed, but=("unit",))
    assert _stored(engine) == 0


def test_refusals_do_not_use_up_the_throttle_and_it_still_holds(engine: Engine) -> None:
    build_world(engine)
    client = TestClient(create_app(settings=Settings(throttle_patrol="1/hour"), engine=engine))
    assert _post(client, _typed()).status_code == 422
    assert _post(client, _typed(unit="DJ01", consent="on")).status_code == 422
    assert _post(client, _typed(consent="on")).status_code == 200
    typed = _typed(unit="DJ01", place="구로시장 뒷골목")
    blocked = _post(client, typed)
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers
    _kept(blocked.text, typed, but=("unit",))
    assert _stored(engine) == 1


# ---- staff entering a card: the page and the API -----------------------------------------------


def test_the_api_refuses_an_address_without_consent(engine: Engine) -> None:
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    body: dict[str, object] = {**_typed(source="card"), "start_hour": 22, "end_hour": 2}
    refused = api.post("/api/v1/patrols/requests", json=body, headers=world.auth("gr_officer"))
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"consent": CONSENT}
    assert _stored(engine) == 0
    taken = api.post(
        "/api/v1/patrols/requests", json=body | {"consent": True}, headers=world.auth("gr_officer")
    )
    assert taken.status_code == 201 and taken.json()["consent"] is True
    assert _stored(engine) == 1


def test_the_unit_page_refuses_an_address_without_consent_and_keeps_the_card(
    engine: Engine,
) -> None:
    build_world(engine)
    page = TestClient(create_app(engine=engine))
    login(page, "gr_officer")
    typed = _typed(source="card")
    refused = page.post(
        "/patrols/staff-request", data={**typed, "csrf_token": csrf(page, "/patrols")}
    )
    assert refused.status_code == 422
    assert _field_error(refused.text, "consent") == CONSENT
    shown = 'value="a@example.com"', 'value="구로동 거리공원 정문"', "밤에 어둡습니다"
    assert all(value in refused.text for value in shown)
    assert _stored(engine) == 0
