"""A NUL character (U+0000) in anything a caller sends never costs a server error on PostgreSQL,
which cannot store one in a text column (psycopg refuses the statement: "PostgreSQL text fields
cannot contain NUL (0x00) bytes") and whose jsonb refuses the ``\\u0000`` escape.

On PostgreSQL, every route that writes (enumerated from the app, so a route added later fails
here until it has a valid call below) gets a valid call, then the same call with a NUL put in
every one of its strings — JSON values and keys, form fields, query and text path parameters,
file names; it must be answered as the valid call was (the NULs dropped) or refused with
400/422, never 5xx. Every query parameter of every route that reads gets one too.
A sample of what is stored is read back without the NUL, files stay byte for byte as sent, and
imported ledgers and organisation files with NULs in their cells load like clean ones."""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
from conftest import ENGINES
from factories import PASSWORD, build_world, voice_json
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text

from minwon.app import create_app
from minwon.config import Settings
from minwon.db import write_session
from minwon.org import service as org_service
from minwon.surveys import templates as survey_templates
from minwon.timeutil import to_kst, utcnow
from web.pagetools import CSRF_RE, csrf, post_form
from web.pagetools import login as sign_in
from web.test_route_access import _fill, world_and_rows  # noqa: F401  (a fixture)


def on_postgresql(test: Callable[..., None]) -> Callable[..., None]:
    """Run ``test`` on PostgreSQL only (the engine NULs break); skipped where it is not
    reachable or not chosen (``MINWON_TEST_ENGINES``)."""
    test = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)(test)
    test = pytest.mark.skipif(
        "postgresql" not in ENGINES, reason="PostgreSQL not reachable or not chosen"
    )(test)
    return pytest.mark.pg(test)


NUL = "\x00"
UNTHROTTLED = Settings(
    throttle_login_account="100000/hour",
    throttle_login_address="100000/hour",
    throttle_track="100000/hour",
    throttle_survey_code="100000/hour",
    throttle_submit="100000/hour",
    throttle_patrol="100000/hour",
)
"""The public forms are throttled per address; the sweep sends each a few hundred times."""


def with_nul(value: str) -> str:
    """``value`` with a NUL after its first character (a lone NUL for an empty one): the text
    around it must still be read as typed once the NUL is dropped."""
    return value[:1] + NUL + value[1:]


def _kst(days: float = 0, hours: float = 0) -> str:
    """Seoul wall time that far from now, as forms and the API take it (minutes)."""
    moment = utcnow() + timedelta(days=days, hours=hours)
    return to_kst(moment).replace(tzinfo=None).isoformat("T", "minutes")


def _today(days: int = 0) -> str:
    return (to_kst(utcnow()).date() + timedelta(days=days)).isoformat()


def _next_promise_day(site: Site) -> str:
    """A day after the last promise's (a unit's new promise must start after its last one):
    the valid call and its NUL variants each make one."""
    return _today(site.n() - 60)


def _quarter() -> str:
    day = to_kst(utcnow()).date()
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


# ---------------------------------------------------------------- the test organisation


class Site:
    """The test organisation, its app, an API client and signed-in page clients, and helpers
    that make the rows a call needs (each call gets fresh ones, so a call with a NUL meets the
    state the valid call met)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.world = build_world(engine)
        with write_session(engine) as db:
            org_id = org_service.find_organization(db_session=db, ref="KNPA").id
            survey_templates.ensure_defaults(db_session=db, organization_id=org_id)
        self.app = create_app(settings=UNTHROTTLED, engine=engine)
        self.client = self.new_client()
        self._browsers: dict[str | None, TestClient] = {}
        self._count = 0
        self._trained = False

    def new_client(self) -> TestClient:
        """A client of its own (cookies), redirects not followed, a 500 answered not raised."""
        return TestClient(self.app, raise_server_exceptions=False, follow_redirects=False)

    def password_step(self, login: str) -> TestClient:
        """A new client that has sent ``login``'s password on the login form (signed in, or
        on to the second step for those who use two-factor sign-in)."""
        client = self.new_client()
        sent = sign_in(client, login)
        assert sent.status_code == 303, sent.text
        return client

    def n(self) -> int:
        """A number never given before in this test (unique codes and names)."""
        self._count += 1
        return self._count

    def api(self, login: str | None, method: str, path: str, **kw: Any) -> Any:
        """A preparing API call that must succeed; its JSON."""
        headers = self.world.auth(login) if login else {}
        response = self.client.request(method, path, headers=headers, **kw)
        assert response.status_code < 300, (method, path, response.status_code, response.text)
        return response.json() if response.content else None

    def browser(self, login: str | None) -> TestClient:
        """A page client signed in as ``login`` (None: a citizen), kept for the test."""
        if login not in self._browsers:
            self._browsers[login] = self.password_step(login) if login else self.new_client()
        return self._browsers[login]

    # -- rows a call needs

    def voice(self, state: str = "received", unit: str = "GR01", **kw: Any) -> dict[str, Any]:
        """A new voice of ``unit`` (filed by its office's front desk) brought to ``state``:
        received, assigned, draft (an answer waiting for approval), answered or closed."""
        office_cs = "gr_cs" if unit.startswith("GR") else "dj_lead"
        body = voice_json(unit=unit, **kw)
        body.setdefault(
            "contact", {"name": "홍길동", "email": "citizen@example.kr", "consent": True}
        )
        made = self.api(office_cs, "POST", "/api/v1/voices", json=body)
        vid = made["id"]
        officer, lead = ("gr_officer", "gr_lead") if unit == "GR01" else ("dj_officer", "dj_lead")
        if state == "assigned":
            self.api(lead, "POST", f"/api/v1/voices/{vid}/assign", json={"assignee": officer})
        if state in ("draft", "answered", "closed"):
            self.api(officer, "POST", f"/api/v1/voices/{vid}/answer", json={"body": "답변"})
        if state in ("answered", "closed"):
            self.api(lead, "POST", f"/api/v1/voices/{vid}/answer/approve")
        if state == "closed":
            self.api(lead, "POST", f"/api/v1/voices/{vid}/close")
        return made

    def action(self) -> int:
        """A new action of office GR citing a new voice."""
        voice = self.voice()
        made = self.api(
            "gr_lead", "POST", "/api/v1/actions", json={"title": "조치", "voice_ids": [voice["id"]]}
        )
        return int(made["id"])

    def incident(self) -> int:
        """A new incident of unit GR01."""
        made = self.api(
            "gr_lead",
            "POST",
            "/api/v1/protection/incidents",
            json={
                "unit": "GR01",
                "occurred_at": _kst(days=-2),
                "channel": "visit",
                "what_happened": "욕설",
                "staff": ["gr_officer"],
            },
        )
        return int(made["id"])

    def suspension(self) -> int:
        """A new suspension in office GR."""
        made = self.api(
            "admin",
            "POST",
            "/api/v1/protection/suspensions",
            json={
                "identity": f"010-5555-{self.n():04d}",
                "reason_code": "repeat",
                "reason": "반복 민원",
                "ends_at": _kst(days=30),
                "office": "GR",
            },
        )
        return int(made["id"])

    def scenario(self) -> dict[str, Any]:
        """The first role-play scenario of the library."""
        return self.api("gr_lead", "GET", "/api/v1/roleplay/scenarios")[0]

    def session(self) -> int:
        """A new role-play session of GR01 with gr_officer taking part."""
        scenario = self.scenario()
        made = self.api(
            "gr_lead",
            "POST",
            "/api/v1/roleplay/sessions",
            json={
                "scenario_id": scenario["id"],
                "held_at": _kst(days=-1),
                "participants": ["gr_officer"],
            },
        )
        return int(made["id"])

    def template(self, channel: str = "visit") -> dict[str, Any]:
        """A quality checklist template of ``channel``."""
        found = self.api("gr_lead", "GET", "/api/v1/quality/templates")
        return next(t for t in found if t["channel"] == channel)

    def marks(self, template: dict[str, Any]) -> list[dict[str, Any]]:
        """A mark, met, for each item of ``template`` but the promise."""
        return [{"item_id": i["id"], "met": True} for i in template["items"] if not i["is_promise"]]

    def visit(self) -> int:
        """A new mystery visit planned for unit GR01."""
        made = self.api(
            "admin",
            "POST",
            "/api/v1/quality/visits",
            json={
                "unit": "GR01",
                "channel": "visit",
                "scenario": "분실물 문의",
                "window_start": _today(-10),
                "window_end": _today(10),
            },
        )
        return int(made["id"])

    def campaign(self) -> int:
        """A new outreach campaign of office GR."""
        made = self.api(
            "gr_lead",
            "POST",
            "/api/v1/outreach/campaigns",
            json={"code": f"C{self.n()}", "name": "안전 캠페인"},
        )
        return int(made["id"])

    def open311(self) -> tuple[str, str]:
        """A new Open311 key of office GR and a service of GR: (key, service code)."""
        key = self.api(
            "admin", "POST", "/api/v1/open311/keys", json={"name": "앱", "offices": ["GR"]}
        )
        code = f"svc{self.n()}"
        self.api(
            "admin",
            "POST",
            "/api/v1/open311/services",
            json={"name": "가로등", "office": "GR", "code": code},
        )
        return key["key"], code

    def service(self) -> int:
        """A new Open311 service of office GR; its id."""
        made = self.api(
            "admin",
            "POST",
            "/api/v1/open311/services",
            json={"name": "가로등", "office": "GR", "code": f"svc{self.n()}"},
        )
        return int(made["id"])

    def settle(self) -> None:
        """Wait for the imports this test started (each runs in a process of its own), so
        that none writes after the test."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with self.engine.connect() as conn:
                running = conn.scalar(
                    text("SELECT count(*) FROM voice_import WHERE finished_at IS NULL")
                )
            if not running:
                return
            time.sleep(0.2)
        raise AssertionError("an import is still running after two minutes")

    def trained(self) -> None:
        """Unit routing models trained on forty answered voices of GR01 and GR02 (once)."""
        if self._trained:
            return
        from minwon.analysis.training import train

        lines = {
            "GR02": [
                "신호등이 고장 났어요",
                "불법 주정차 단속",
                "과속 차량이 많아요",
                "횡단보도 신호",
            ],
            "GR01": ["야간 순찰 요청", "골목 방범 순찰", "공원 소란 신고", "빈집털이 걱정"],
        }
        for offset, (unit, texts) in enumerate(lines.items()):
            for i in range(5):
                for k, words in enumerate(texts):
                    # the two units' voices interleaved in time, the newest a month ago
                    back = timedelta(days=30 + 2 * (i * len(texts) + k) + offset)
                    at = (to_kst(utcnow()) - back).isoformat()
                    body = voice_json(unit=unit, title=words, body=f"{words} ({i})", received_at=at)
                    vid = self.api("gr_cs", "POST", "/api/v1/voices", json=body)["id"]
                    self.api("gr_cs", "POST", f"/api/v1/voices/{vid}/answer", json={"body": "조치"})
                    self.api("gr_cs", "POST", f"/api/v1/voices/{vid}/answer/approve")
        with write_session(self.engine) as db:
            org_id = org_service.find_organization(db_session=db, ref="KNPA").id
            train(db_session=db, organization_id=org_id, target="unit")
        self._trained = True


# ---------------------------------------------------------------- API calls


@dataclass
class Call:
    """One API call: ``path`` may hold ``{name}`` text parameters filled from ``words``."""

    login: str | None
    path: str
    json: Any = None
    data: dict[str, str] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    params: dict[str, str] | None = None
    words: dict[str, str] = field(default_factory=dict)
    method: str = "POST"
    ready: Callable[[Site], None] | None = None

    def send(self, site: Site) -> httpx.Response:
        """Send the call (path parameters percent-encoded, so a NUL travels as ``%00``)."""
        if self.ready:
            self.ready(site)
        path = self.path.format(**{k: quote(v, safe="") for k, v in self.words.items()})
        headers = site.world.auth(self.login) if self.login else {}
        kw: dict[str, Any] = {"headers": headers, "params": self.params}
        if self.json is not None:
            kw["json"] = self.json
        if self.files:
            kw["content"], form_type = multipart(self.data or {}, self.files)
            kw["headers"] = {**headers, **form_type}
        elif self.data is not None:
            kw["data"] = self.data
        return site.client.request(self.method, path, **kw)


def multipart(
    data: dict[str, str] | dict[str, list[str]], files: dict[str, tuple[str, bytes, str]]
) -> tuple[bytes, dict[str, str]]:
    """A multipart/form-data body written out by hand, with its Content-Type header: httpx
    percent-encodes a NUL in a file name (``%00``), whereas a hostile client sends the byte."""
    boundary = "nul-sweep-boundary"
    parts = []
    for name, value in data.items():
        for one in value if isinstance(value, list) else [value]:
            head = f'Content-Disposition: form-data; name="{name}"'
            parts.append(head.encode() + b"\r\n\r\n" + one.encode())
    for name, (file_name, content, kind) in files.items():
        head = f'Content-Disposition: form-data; name="{name}"; filename="{file_name}"'
        parts.append(f"{head}\r\nContent-Type: {kind}".encode() + b"\r\n\r\n" + content)
    body = b"".join(f"--{boundary}\r\n".encode() + part + b"\r\n" for part in parts)
    body += f"--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def _json_with_nuls(value: Any, *, in_keys: bool) -> Any:
    """``value`` with a NUL in every string value of it, or else in every dict key."""
    if isinstance(value, str):
        return value if in_keys else with_nul(value)
    if isinstance(value, dict):
        return {
            (with_nul(k) if in_keys else k): _json_with_nuls(v, in_keys=in_keys)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_json_with_nuls(item, in_keys=in_keys) for item in value]
    return value


def with_nuls(call: Call, *, in_names: bool = False) -> Call:
    """The call with a NUL in every value it sends at once — each JSON string, form field,
    query parameter, text path parameter, file name and file content type (the files' bytes
    as they are) — or, ``in_names``, in every JSON key and form field and parameter name.

    Every route reads its text through one rule (``TextRoute``), so the call must be answered
    exactly as the valid one: one call finds a value the rule does not reach as surely as one
    call per value, at a fraction of the requests. Names and values are sent apart because a
    name the rule left with its NUL would be refused as unknown (422), hiding a value that
    reached the database."""

    def fields(values: dict[str, str] | None) -> dict[str, str] | None:
        if values is None:
            return None
        if in_names:
            return {with_nul(k): v for k, v in values.items()}
        return {k: with_nul(v) for k, v in values.items()}

    files = {
        name: (file_name, content, kind)
        if in_names
        else (with_nul(file_name), content, with_nul(kind))
        for name, (file_name, content, kind) in (call.files or {}).items()
    }
    return replace(
        call,
        json=_json_with_nuls(call.json, in_keys=in_names),
        data=fields(call.data),
        params=fields(call.params),
        words=call.words if in_names else fields(call.words) or {},
        files=files or None,
    )


ORG_FILE = """
organization: {code: KNPA}
offices:
  - code: GR
    units:
      - {code: GR07, name: 신도림지구대, kind: team}
""".encode()
"""A small organisation file (a unit added)."""


def _voice_call(site: Site, action: str, state: str, login: str, body: Any = None) -> Call:
    vid = site.voice(state)["id"]
    return Call(login, f"/api/v1/voices/{vid}/{action}", json=body)


API_CALLS: dict[str, Callable[[Site], Call]] = {
    # voices
    "POST /api/v1/voices": lambda s: Call(
        "gr_cs",
        "/api/v1/voices",
        json=voice_json(
            unit="GR01",
            category="TRAFFIC",
            dong="구로1동",
            address="구로동 1",
            contact={"name": "홍길동", "phone": "010-1234-5678", "email": "a@example.kr"},
            officer="gr_officer",
        ),
    ),
    "POST /api/v1/voices/{voice_id}/assign": lambda s: _voice_call(
        s, "assign", "received", "gr_lead", {"assignee": "gr_officer"}
    ),
    "POST /api/v1/voices/{voice_id}/answer": lambda s: _voice_call(
        s, "answer", "received", "gr_officer", {"body": "처리했습니다."}
    ),
    "POST /api/v1/voices/{voice_id}/answer/return": lambda s: _voice_call(
        s, "answer/return", "draft", "gr_lead", {"note": "보완 바랍니다"}
    ),
    "POST /api/v1/voices/{voice_id}/reopen": lambda s: _voice_call(
        s, "reopen", "closed", "gr_lead", {"note": "다시 봅니다"}
    ),
    "POST /api/v1/voices/{voice_id}/transfer": lambda s: _voice_call(
        s, "transfer", "received", "gr_lead", {"unit": "GR02", "note": "담당 아님"}
    ),
    "POST /api/v1/voices/{voice_id}/extend": lambda s: _voice_call(
        s, "extend", "received", "gr_lead", {"days": 3, "reason": "현장 확인"}
    ),
    "POST /api/v1/voices/{voice_id}/close-for-cause": lambda s: _voice_call(
        s, "close-for-cause", "received", "gr_lead", {"cause": "abusive", "reason": "욕설"}
    ),
    "POST /api/v1/voices/{voice_id}/happycall": lambda s: _voice_call(
        s,
        "happycall",
        "answered",
        "gr_officer2",
        {
            "answers": {
                "csat": "4",
                "kind": 5,
                "speed": "3",
                "nps": "9",
                "clear": "yes",
                "comment": "친절했어요",
            }
        },
    ),
    "POST /api/v1/track": lambda s: _track_call(s),
    "POST /api/v1/imports": lambda s: Call(
        "gr_cs",
        "/api/v1/imports",
        data={"office": "GR"},
        files={"file": ("대장.csv", _ledger_csv().encode(), "text/csv")},
    ),
    # analysis
    "POST /api/v1/analysis/route": lambda s: Call(
        "gr_cs",
        "/api/v1/analysis/route",
        json={"text": "신호등 고장"},
        params={"office": "GR", "organization": "KNPA"},
        ready=Site.trained,
    ),
    "POST /api/v1/analysis/similar": lambda s: Call(
        "gr_cs", "/api/v1/analysis/similar", json={"text": "신호등 고장"}, params={"office": "GR"}
    ),
    "POST /api/v1/analysis/surges/check": lambda s: Call(
        "admin", "/api/v1/analysis/surges/check", params={"office": "GR"}
    ),
    # surveys
    "POST /api/v1/surveys/templates": lambda s: Call(
        "gr_cs",
        "/api/v1/surveys/templates",
        json={
            "code": f"t{s.n()}",
            "name": "만족도",
            "intro": "설문입니다",
            "trigger": "manual",
            "questions": [
                {"key": "csat", "kind": "csat", "text": "만족하셨나요?"},
                {"key": "why", "kind": "choice", "text": "이유", "choices": ["빠름", "친절"]},
            ],
        },
    ),
    # actions
    "POST /api/v1/actions": lambda s: Call(
        "gr_lead",
        "/api/v1/actions",
        json={
            "title": "가로등 교체",
            "description": "전구 교체",
            "owner": "gr_officer",
            "unit": "GR01",
            "dong": "구로1동",
            "voice_ids": [s.voice()["id"]],
        },
    ),
    "PATCH /api/v1/actions/{action_id}": lambda s: Call(
        "gr_lead",
        f"/api/v1/actions/{s.action()}",
        method="PATCH",
        json={
            "title": "새 제목",
            "description": "설명",
            "owner": "gr_officer",
            "unit": "GR01",
            "dong": "구로2동",
        },
    ),
    "POST /api/v1/actions/{action_id}/status": lambda s: Call(
        "gr_lead", f"/api/v1/actions/{s.action()}/status", json={"status": "in_progress"}
    ),
    "POST /api/v1/actions/{action_id}/evidence": lambda s: Call(
        "gr_lead",
        f"/api/v1/actions/{s.action()}/evidence",
        data={"note": "교체 완료"},
        files={"file": ("사진.pdf", PDF, "application/pdf")},
    ),
    # organisation
    "POST /api/v1/offices": lambda s: Call(
        "admin",
        "/api/v1/offices",
        json={"organization": "KNPA", "code": f"O{s.n()}", "name": "새 경찰서"},
    ),
    "POST /api/v1/units": lambda s: Call(
        "admin",
        "/api/v1/units",
        json={"office": "GR", "code": f"GR{50 + s.n()}", "name": "새 파출소", "kind": "파출소"},
    ),
    "PATCH /api/v1/units/{code}": lambda s: Call(
        "admin",
        "/api/v1/units/{code}",
        method="PATCH",
        words={"code": "GR02"},
        json={"name": "가리봉", "duties": "교통 민원", "merged_into": None},
    ),
    "POST /api/v1/staff": lambda s: Call(
        "admin",
        "/api/v1/staff",
        json={
            "login": f"staff{s.n()}",
            "name": "김직원",
            "role": "officer",
            "office": "GR",
            "unit": "GR01",
            "email": "kim@example.kr",
            "password": "violet-meadow-quartz",
        },
    ),
    "POST /api/v1/staff/{login}/tokens": lambda s: Call(
        "admin",
        "/api/v1/staff/{login}/tokens",
        words={"login": "gr_officer"},
        json={"name": "연동", "scopes": ["read"]},
    ),
    "POST /api/v1/tokens": lambda s: Call(
        "gr_lead", "/api/v1/tokens", json={"name": "연동", "scopes": ["read"], "login": "gr_lead"}
    ),
    "POST /api/v1/categories": lambda s: Call(
        "admin",
        "/api/v1/categories",
        json={"organization": "KNPA", "code": f"CAT{s.n()}", "name": "소음", "parent": "TRAFFIC"},
    ),
    "POST /api/v1/routing-rules": lambda s: Call(
        "admin",
        "/api/v1/routing-rules",
        json={"office": "GR", "unit": "GR02", "category": "TRAFFIC", "dong": f"구로{s.n()}동"},
    ),
    "POST /api/v1/org/load": lambda s: Call(
        "admin", "/api/v1/org/load", files={"file": ("조직.yaml", ORG_FILE, "application/yaml")}
    ),
    "PUT /api/v1/security/totp-roles": lambda s: Call(
        "admin", "/api/v1/security/totp-roles", method="PUT", json={"roles": ["admin"]}
    ),
    "POST /api/v1/staff/{login}/unlock": lambda s: Call(
        "admin", "/api/v1/staff/{login}/unlock", words={"login": "gr_officer"}
    ),
    "POST /api/v1/staff/{login}/totp-reset": lambda s: Call(
        "admin", "/api/v1/staff/{login}/totp-reset", words={"login": "gr_officer"}
    ),
    # Open311
    "POST /open311/v2/requests.{fmt}": lambda s: _open311_call(s),
    "POST /api/v1/open311/keys": lambda s: Call(
        "admin",
        "/api/v1/open311/keys",
        json={"name": "민원 앱", "offices": ["GR"], "rate_limit": "60/hour"},
    ),
    "POST /api/v1/open311/services": lambda s: Call(
        "admin",
        "/api/v1/open311/services",
        json={
            "name": "가로등",
            "description": "꺼진 가로등",
            "category": "TRAFFIC",
            "group": "시설",
            "keywords": "가로등,전등",
            "office": "GR",
            "code": f"lamp{s.n()}",
        },
    ),
    "PATCH /api/v1/open311/services/{service_id}": lambda s: Call(
        "admin",
        f"/api/v1/open311/services/{s.service()}",
        method="PATCH",
        json={"name": "가로등", "description": "설명", "group": "시설", "keywords": "등"},
    ),
    "PUT /api/v1/open311/services/{service_id}/attributes": lambda s: Call(
        "admin",
        f"/api/v1/open311/services/{s.service()}/attributes",
        method="PUT",
        json={
            "code": "lamps",
            "datatype": "singlevaluelist",
            "description": "몇 개인가요?",
            "datatype_description": "하나 고르세요",
            "values": [{"key": "one", "name": "하나"}, {"key": "many", "name": "여럿"}],
        },
    ),
    # quality
    "POST /api/v1/quality/templates/{template_id}/items": lambda s: Call(
        "admin",
        f"/api/v1/quality/templates/{s.template()['id']}/items",
        json={"stage": "greet", "text": "먼저 인사합니다"},
    ),
    "PATCH /api/v1/quality/items/{item_id}": lambda s: _item_patch(s),
    "POST /api/v1/quality/checks": lambda s: _check_call(s),
    "POST /api/v1/quality/visits": lambda s: Call(
        "admin",
        "/api/v1/quality/visits",
        json={
            "unit": "GR01",
            "officer": "gr_officer",
            "channel": "visit",
            "scenario": "분실물 문의",
            "window_start": _today(-5),
            "window_end": _today(5),
            "observer": "gr_cs",
        },
    ),
    "POST /api/v1/quality/visits/{visit_id}/result": lambda s: _visit_result(s),
    "POST /api/v1/quality/promises": lambda s: Call(
        "gr_lead",
        "/api/v1/quality/promises",
        json={"unit": "GR01", "text": "30분 안에 연락드립니다", "since": _next_promise_day(s)},
    ),
    # protection
    "PUT /api/v1/protection/settings": lambda s: Call(
        "admin",
        "/api/v1/protection/settings",
        method="PUT",
        params={"office": "GR"},
        json={"call_minutes": 20, "visit_minutes": 30, "appeal_contact": "민원실 02-000-0000"},
    ),
    "POST /api/v1/protection/incidents": lambda s: Call(
        "gr_lead",
        "/api/v1/protection/incidents",
        json={
            "unit": "GR01",
            "occurred_at": _kst(days=-1),
            "place": "민원실",
            "channel": "visit",
            "what_happened": "고성과 욕설",
            "staff": ["gr_officer"],
            "voice": "",
            "measures": ["calm"],
            "measures_note": "진정시킴",
            "reported": True,
            "reported_note": "112 신고",
            "support": ["rest"],
            "support_note": "휴식",
        },
    ),
    "PATCH /api/v1/protection/incidents/{incident_id}": lambda s: Call(
        "gr_lead",
        f"/api/v1/protection/incidents/{s.incident()}",
        method="PATCH",
        json={
            "measures": ["calm"],
            "measures_note": "진정",
            "reported": True,
            "reported_note": "신고함",
            "support": ["counselling"],
            "support_note": "상담",
        },
    ),
    "POST /api/v1/protection/suspensions": lambda s: Call(
        "admin",
        "/api/v1/protection/suspensions",
        json={
            "identity": f"010-7777-{s.n():04d}",
            "reason_code": "repeat",
            "reason": "같은 민원 반복",
            "ends_at": _kst(days=30),
            "office": "GR",
        },
    ),
    "POST /api/v1/protection/suspensions/{suspension_id}/lift": lambda s: Call(
        "admin", f"/api/v1/protection/suspensions/{s.suspension()}/lift", json={"note": "해제"}
    ),
    "POST /api/v1/protection/suspensions/{suspension_id}/appeal": lambda s: Call(
        "admin", f"/api/v1/protection/suspensions/{s.suspension()}/appeal", json={"note": "이의"}
    ),
    # role-play
    "PUT /api/v1/roleplay/scenarios/{scenario_id}": lambda s: _scenario_call(s),
    "POST /api/v1/roleplay/sessions": lambda s: _session_call(s),
    "PUT /api/v1/roleplay/sessions/{session_id}/self": lambda s: _self_scores(s),
    # outreach and patrols
    "POST /api/v1/outreach/contacts": lambda s: Call(
        "gr_officer",
        "/api/v1/outreach/contacts",
        json={
            "housing": "apartment",
            "dong": "구로1동",
            "address": "구로동 1",
            "topic": "주차",
            "card_given": True,
            "campaign": None,
            "request": "가로등이 어둡습니다",
            "citizen_name": "홍길동",
            "citizen_phone": "010-1234-5678",
            "consent": True,
        },
    ),
    "PUT /api/v1/outreach/targets": lambda s: Call(
        "gr_lead", "/api/v1/outreach/targets", method="PUT", json={"unit": "GR01", "daily": 5}
    ),
    "PUT /api/v1/outreach/roster": lambda s: Call(
        "gr_lead",
        "/api/v1/outreach/roster",
        method="PUT",
        json={
            "officer": "gr_officer",
            "start": _today(),
            "end": _today(20),
            "weekdays": [0, 2],
            "off": [_today(7)],
        },
    ),
    "POST /api/v1/outreach/campaigns": lambda s: Call(
        "gr_lead",
        "/api/v1/outreach/campaigns",
        json={
            "code": f"CAMP{s.n()}",
            "name": "안전 캠페인",
            "housing": ["apartment"],
            "broadcast_script": "방송",
            "flyer_text": "전단",
            "talk_points": "요점",
        },
    ),
    "POST /api/v1/outreach/campaigns/{campaign_id}/reach": lambda s: Call(
        "gr_lead",
        f"/api/v1/outreach/campaigns/{s.campaign()}/reach",
        json={"kind": "flyer", "count": 20, "dong": "구로1동", "housing": "apartment"},
    ),
    "POST /api/v1/patrols/requests": lambda s: Call(
        "gr_officer",
        "/api/v1/patrols/requests",
        json={
            "unit": "GR01",
            "place": "구로시장 뒷골목",
            "day": _today(2),
            "start_hour": 20,
            "end_hour": 23,
            "reason": "어둡습니다",
            "dong": "구로1동",
            "source": "card",
            "email": "a@example.kr",
            "consent": True,
        },
    ),
    "POST /api/v1/patrols/plans": lambda s: _plan_call(s),
    "POST /api/v1/patrols/logs": lambda s: Call(
        "gr_officer",
        "/api/v1/patrols/logs",
        json={"unit": "GR01", "place": "구로시장", "note": "이상 없음"},
    ),
    "POST /api/v1/patrols/incidents": lambda s: Call(
        "gr_lead",
        "/api/v1/patrols/incidents",
        data={"unit": "GR01", "quarter": _quarter()},
        files={"file": ("112.csv", "장소,시,건수\n시장 입구,19,30\n".encode(), "text/csv")},
    ),
}
"""A valid call of every API operation that takes text, made afresh for each use."""

API_WITHOUT_TEXT = {
    "POST /api/v1/voices/{voice_id}/start": "a voice id only",
    "POST /api/v1/voices/{voice_id}/answer/approve": "a voice id only",
    "POST /api/v1/voices/{voice_id}/close": "a voice id only",
    "POST /api/v1/voices/{voice_id}/survey": "a voice id only",
    "POST /api/v1/surveys/kiosk": "nothing but the caller",
    "POST /api/v1/sessions/end-all": "nothing but the caller",
    "POST /api/v1/security/throttle-reset": "nothing but the caller",
    "DELETE /api/v1/tokens/{token_id}": "a token id only",
    "DELETE /api/v1/open311/keys/{key_id}": "a key id only",
    "DELETE /api/v1/open311/services/{service_id}/attributes/{attribute_id}": "ids only",
    "POST /api/v1/quality/visits/{visit_id}/cancel": "a visit id only",
    "POST /api/v1/roleplay/scenarios/{scenario_id}/reset": "a scenario id only",
}
"""API operations that write but take no text (ids in the path, the caller's token)."""

PDF = b"%PDF-1.7\n%\x00\xff\x00 binary\n1 0 obj\n<<>>\nendobj\n"
"""A small PDF whose bytes hold NULs: a file must be stored exactly as sent."""


def _ledger_csv() -> str:
    """A ledger file of one voice, received five days before the clock's now, to import."""
    head = "received_at,kind,channel,title,body,unit\n"
    return f"{head}{_ago(5)},complaint,phone,가로등,꺼졌어요,GR01\n"


def _ago(days: int) -> str:
    """A moment ``days`` before the clock's now, as a ledger file writes it (Seoul time)."""
    return f"{to_kst(utcnow() - timedelta(days=days)):%Y-%m-%d %H:%M}"


def _citizen_voice(site: Site) -> dict[str, Any]:
    """A voice a citizen filed on the web: its ledger number and receipt secret."""
    return site.api(None, "POST", "/api/v1/voices", json=voice_json(channel="web", office="GR"))


def _track_call(site: Site) -> Call:
    made = _citizen_voice(site)
    return Call(
        None,
        "/api/v1/track",
        json={"ledger_no": made["ledger_no"], "secret": made["receipt_secret"]},
    )


def _open311_call(site: Site) -> Call:
    key, code = site.open311()
    return Call(
        None,
        "/open311/v2/requests.json",
        data={
            "api_key": key,
            "jurisdiction_id": "GR",
            "service_code": code,
            "address_string": "구로동 1",
            "description": "가로등이 꺼졌어요",
            "email": "a@example.kr",
            "first_name": "길동",
            "last_name": "홍",
            "phone": "010-1234-5678",
        },
    )


def _patrol_request(site: Site) -> None:
    site.api(
        "gr_officer",
        "POST",
        "/api/v1/patrols/requests",
        json={
            "unit": "GR01",
            "place": "구로시장",
            "day": _today(2),
            "start_hour": 20,
            "end_hour": 23,
        },
    )


def _plan_call(site: Site) -> Call:
    _patrol_request(site)
    return Call("gr_lead", "/api/v1/patrols/plans", json={"unit": "GR01", "quarter": _quarter()})


def _item_patch(site: Site) -> Call:
    item = site.api(
        "admin",
        "POST",
        f"/api/v1/quality/templates/{site.template()['id']}/items",
        json={"stage": "greet", "text": "인사"},
    )
    return Call(
        "admin",
        f"/api/v1/quality/items/{item['id']}",
        method="PATCH",
        json={"stage": "handle", "text": "바꾼 문구"},
    )


def _check_call(site: Site) -> Call:
    template = site.template()
    marks = site.marks(template)
    marks[0] = {**marks[0], "note": "잘함"}
    return Call(
        "gr_lead",
        "/api/v1/quality/checks",
        json={
            "kind": "peer",
            "template_id": template["id"],
            "target": "officer",
            "unit": "GR01",
            "officer": "gr_officer",
            "checked_on": _today(),
            "note": "관찰",
            "marks": marks,
        },
    )


def _visit_result(site: Site) -> Call:
    visit = site.visit()
    marks = site.marks(site.template())
    marks[0] = {**marks[0], "note": "친절"}
    return Call(
        "admin",
        f"/api/v1/quality/visits/{visit}/result",
        json={"checked_on": _today(), "note": "방문함", "marks": marks},
    )


def _scenario_call(site: Site) -> Call:
    scenario = site.scenario()
    return Call(
        "admin",
        f"/api/v1/roleplay/scenarios/{scenario['id']}",
        method="PUT",
        json={
            "title": "고성 민원인",
            "persona": "화난 시민",
            "wants": "사과",
            "channel": "visit",
            "lines": [{"line": "왜 이렇게 늦어요!", "cue": "공감"}],
            "rubric": [{"code": "listen", "name": "경청", "anchors": ["1", "2", "3", "4", "5"]}],
        },
    )


def _session_call(site: Site) -> Call:
    scenario = site.scenario()
    code = scenario["rubric"][0]["code"]
    return Call(
        "gr_lead",
        "/api/v1/roleplay/sessions",
        json={
            "scenario_id": scenario["id"],
            "held_at": _kst(days=-1),
            "participants": ["gr_officer"],
            "observer": "gr_lead",
            "observer_scores": {"gr_officer": {code: 3}},
            "self_scores": {"gr_officer": {code: 4}},
            "coaching": "잘했어요",
        },
    )


def _self_scores(site: Site) -> Call:
    code = site.scenario()["rubric"][0]["code"]
    return Call(
        "gr_officer",
        f"/api/v1/roleplay/sessions/{site.session()}/self",
        method="PUT",
        json={"scores": {code: 4}},
    )


# ---------------------------------------------------------------- enumerating the app

_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


@functools.cache
def routes() -> list[tuple[str, str, bool, APIRoute]]:
    """(method, path template, in the API schema, route) of every route of the app, HEAD
    aside."""
    app = create_app(engine=create_engine("sqlite://"))
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            path = _PARAM.sub(r"{\1}", context.path_format or route.path_format)
            for method in sorted((context.methods or route.methods) - {"HEAD"}):
                found.append((method, path, route.include_in_schema, route))
    return found


WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def test_every_api_operation_that_writes_has_a_valid_call_or_takes_no_text() -> None:
    writes = {f"{m} {p}" for m, p, api, _ in routes() if api and m in WRITES}
    missing = sorted(writes - set(API_CALLS) - set(API_WITHOUT_TEXT))
    assert not missing, "Add a valid call to API_CALLS:\n  " + "\n  ".join(missing)
    stale = sorted((set(API_CALLS) | set(API_WITHOUT_TEXT)) - writes)
    assert not stale, stale


def test_every_route_reads_its_text_without_nuls() -> None:
    from minwon.web.text_route import TextRoute

    plain = sorted(f"{m} {p}" for m, p, _, route in routes() if not isinstance(route, TextRoute))
    assert not plain, "Make the router with APIRouter(route_class=TextRoute):\n  " + "\n  ".join(
        plain
    )


def _accepted(response: httpx.Response) -> bool:
    return response.status_code < 400


@pytest.fixture
def site(engine: Engine) -> Iterator[Site]:
    """The test organisation on the engine; the imports a test started are waited for."""
    made = Site(engine)
    yield made
    made.settle()


@on_postgresql
@pytest.mark.parametrize("operation", sorted(API_CALLS))
def test_a_nul_in_any_string_of_an_api_call_is_never_a_server_error(
    site: Site, operation: str
) -> None:
    make = API_CALLS[operation]
    valid = make(site)
    first = valid.send(site)
    assert _accepted(first), f"the valid call is refused: {first.status_code} {first.text[:300]}"
    for in_names in (False, True):
        response = with_nuls(make(site), in_names=in_names).send(site)
        where = "names" if in_names else "values"
        assert response.status_code == first.status_code, (
            f"NULs in the {where}: {response.status_code} {response.text[:300]}"
        )


# ---------------------------------------------------------------- page forms


class _PostForms(HTMLParser):
    """The POST forms of a page as a browser would send them: each field's name and value
    (checked boxes and radios, a select's chosen option, a textarea's text, the first named
    submit button), the file inputs apart, and which empty fields are required of what type."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: tuple[str, list[str], list[str]] | None = None
        self._textarea: int | None = None
        self._radios: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            post = a.get("method", "get").lower() == "post"
            self._form = (
                {"action": a.get("action", ""), "fields": [], "files": [], "needed": {}}
                if post
                else None
            )
            self._radios = set()
            return
        if self._form is None or "disabled" in a:
            return
        name = a.get("name", "")
        fields: list[list[str]] = self._form["fields"]
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind == "file":
                self._form["files"].append(name)
            elif kind == "checkbox":
                if "checked" in a:
                    fields.append([name, a.get("value", "on")])
            elif kind == "radio":  # the checked one, else the first of a required group
                value = a.get("value", "on")
                if "checked" in a and name in self._radios:
                    next(f for f in fields if f[0] == name)[1] = value
                elif name not in self._radios and ("checked" in a or "required" in a):
                    fields.append([name, value])
                    self._radios.add(name)
            elif kind not in ("submit", "button", "image", "reset"):
                fields.append([name, a.get("value", "")])
                if "required" in a and not a.get("value"):
                    self._form["needed"][name] = (kind, a)
            elif kind == "submit" and not any(f[0] == name for f in fields):
                fields.append([name, a.get("value", "")])
        elif tag == "button" and name and a.get("type", "submit") == "submit":
            if not any(f[0] == name for f in fields):
                fields.append([name, a.get("value", "")])
        elif tag == "select" and name:
            self._select = (name, [], [])
            if "required" in a:
                self._form["needed"][name] = ("select", a)
        elif tag == "option" and self._select is not None:
            self._select[1].append(a.get("value", ""))
            if "selected" in a:
                self._select[2].append(a.get("value", ""))
        elif tag == "textarea" and name:
            fields.append([name, ""])
            self._textarea = len(fields) - 1
            if "required" in a:
                self._form["needed"][name] = ("textarea", a)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None and self._form is not None:
            self._form["fields"][self._textarea][1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None and self._form is not None:
            name, values, chosen = self._select
            if values:
                value = (chosen or values)[0]
                if not value and name in self._form["needed"]:
                    value = next((v for v in values if v), "")
                self._form["fields"].append([name, value])
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def post_forms(html: str) -> list[dict[str, Any]]:
    """The POST forms of a page (see ``_PostForms``)."""
    parser = _PostForms()
    parser.feed(html)
    return parser.forms


SAMPLE_BY_TYPE = {
    "date": lambda: _today(),
    "datetime-local": lambda: _kst(hours=-2),
    "number": lambda: "1",
    "email": lambda: "citizen@example.kr",
    "tel": lambda: "010-1234-5678",
    "password": lambda: PASSWORD,
}


@dataclass
class Form:
    """A page form to send: who (None: a citizen), the page that shows it, its action (the
    form of the page posting there), values typed over the page's own (``from_page``: values
    read off the page, such as a code from a secret it shows), files to attach; ``client``
    for a browser of its own (signing in), ``in_form`` False for fields an element posts
    with htmx, not a form."""

    login: str | None
    page: str
    action: str
    typed: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes, str]] | None = None
    left_out: tuple[str, ...] = ()
    from_page: Callable[[str], dict[str, str]] | None = None
    client: TestClient | None = None
    in_form: bool = True
    signs_out: bool = False

    sent_to: str = ""

    def _posts_to(self, action: str) -> bool:
        """Whether a form's action is this one's (``*`` at the end: any path going on)."""
        path = urlsplit(action).path
        if self.action.endswith("*"):
            return path.startswith(self.action[:-1])
        return path == self.action

    def browser(self, site: Site) -> TestClient:
        """The client that sends the form."""
        return self.client or site.browser(self.login)

    def fields(self, site: Site) -> list[list[str]]:
        """The form's fields as the page shows them, required ones filled in, ``typed`` over
        them: [name, value] pairs in order (a name may come more than once)."""
        shown = self.browser(site).get(self.page)
        assert shown.status_code == 200, (self.page, shown.status_code, shown.text[:300])
        if self.in_form:
            found = [f for f in post_forms(shown.text) if self._posts_to(f["action"])]
            assert found, f"no form posting to {self.action} on {self.page}"
            form = found[0]
            self.sent_to = urlsplit(form["action"]).path
        else:
            token = CSRF_RE.search(shown.text)
            assert token, f"no CSRF token on {self.page}"
            form = {"fields": [["csrf_token", token.group(1)]], "needed": {}}
        pairs = [list(p) for p in form["fields"] if p[0] not in self.left_out]
        for name, (kind, _attrs) in form["needed"].items():
            for pair in pairs:
                if pair[0] == name and not pair[1] and name not in self.typed:
                    pair[1] = SAMPLE_BY_TYPE.get(kind, lambda: "시험 입력")()
        typed = {**self.typed, **(self.from_page(shown.text) if self.from_page else {})}
        for name, value in typed.items():
            at = next((i for i, p in enumerate(pairs) if p[0] == name), None)
            if at is None:
                pairs.append([name, value])
            else:
                pairs[at][1] = value
        return pairs


def _send_form(site: Site, form: Form, pairs: list[list[str]], files: Any) -> httpx.Response:
    data: dict[str, list[str]] = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    action = form.sent_to or form.action
    if files:
        body, headers = multipart(data, files)
        return form.browser(site).post(action, content=body, headers=headers)
    return form.browser(site).post(action, data=data)


_ERROR_TEXT = re.compile(r'class="[^"]*(?:error|invalid)[^"]*"[^>]*>(.*?)</', re.S)


def _errors_in(html: str) -> str:
    """The error messages a page shows (for a failure's message)."""
    return " | ".join(" ".join(m.split()) for m in _ERROR_TEXT.findall(html) if m.strip())[:400]


def page_outcome(site: Site, form: Form, response: httpx.Response) -> str:
    """accepted, refused (400/422, a page with an error message, or a redirect to one), or
    the status and the start of the text for anything else."""
    status = response.status_code
    if status in (301, 302, 303, 307):
        location = response.headers["location"]
        if location.startswith("/login"):
            return "accepted" if form.signs_out else f"{status} to the login page"
        after = form.browser(site).get(location)
        if 'class="flash flash-error"' in after.text:
            return f"refused: {_errors_in(after.text)}"
        return "accepted"
    if status in (200, 201):  # some pages show a refused form again with 200
        errors = _errors_in(response.text)
        return f"refused: {errors}" if errors else "accepted"
    if status in (400, 422):
        return f"refused: {_errors_in(response.text)}"
    return f"{status} {_errors_in(response.text) or response.text[:300]}"


def _voice_form(state: str, name: str, who: str = "gr_lead", **typed: str) -> Callable:
    def make(site: Site) -> Form:
        vid = site.voice(state)["id"]
        return Form(who, f"/voices/{vid}", f"/voices/{vid}/{name}", typed=dict(typed))

    return make


def _on_page(who: str | None, page: str, action: str | None = None, **typed: Any) -> Callable:
    """A form of a page that needs no rows of its own."""
    return lambda site: Form(who, page, action or page, typed=dict(typed))


def _survey_invitation(site: Site) -> dict[str, Any]:
    """An invitation (link and code) to the survey of a new answered voice."""
    phone = f"010-3{site.n():03d}-5678"
    voice = site.voice("answered", contact={"name": "홍길동", "phone": phone})
    return site.api("gr_lead", "POST", f"/api/v1/voices/{voice['id']}/survey")


def _survey_by_link(site: Site) -> Form:
    path = urlsplit(_survey_invitation(site)["link"]).path
    return Form(None, path, path, typed={"comment": "친절했습니다"})


def _survey_by_code(site: Site) -> Form:
    path = urlsplit(_survey_invitation(site)["code_link"]).path
    return Form(None, path, path, typed={"comment": "친절했습니다"})


def _code_form(site: Site) -> Form:
    code = _survey_invitation(site)["short_code"]
    return Form(None, "/s", "/s", typed={"code": code})


def _kiosk(site: Site) -> Form:
    return Form("gr_officer", "/kiosk", "/kiosk/*", typed={"comment": "좋아요"})


def _track(site: Site) -> Form:
    made = _citizen_voice(site)
    return Form(
        None,
        "/track",
        "/track",
        typed={"ledger_no": made["ledger_no"], "secret": made["receipt_secret"]},
    )


def _patrol_plan(site: Site) -> Form:
    _patrol_request(site)
    return Form("gr_lead", "/patrols?unit=GR01", "/patrols/plan")


def _fresh_login(site: Site, role: str = "officer", unit: str | None = "GR01") -> str:
    login = f"fresh{site.n()}"
    site.api(
        "admin",
        "POST",
        "/api/v1/staff",
        json={"login": login, "name": "새 직원", "role": role, "unit": unit, "password": PASSWORD},
    )
    return login


def _with_totp(site: Site, login: str) -> str:
    """Turn two-factor sign-in on for ``login``; its secret."""
    from minwon.org import twofactor
    from minwon.org.models import Staff

    with write_session(site.engine) as db:
        staff = db.query(Staff).filter_by(login=login).one()
        twofactor.offer_secret(staff)
        secret = twofactor.secret_of(staff)
        twofactor.enable(db_session=db, staff=staff, now=utcnow())
    return secret


def _next_code(secret: str) -> str:
    """A code of the step after the current one (the current one was used to turn it on)."""
    from minwon.org import twofactor

    return twofactor.code_at(secret, utcnow() + timedelta(seconds=30))


def _secret_on(html: str) -> str:
    match = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', html)
    assert match, "no secret on the set-up page"
    return match.group(1).replace(" ", "")


def _totp_on(site: Site) -> Form:
    from minwon.org import twofactor

    login = _fresh_login(site)
    return Form(
        login,
        "/account/totp",
        "/account/totp",
        from_page=lambda html: {"code": twofactor.code_at(_secret_on(html), utcnow())},
    )


def _totp_off(site: Site) -> Form:
    login = _fresh_login(site)
    site.browser(login)
    _with_totp(site, login)
    return Form(login, "/account/security", "/account/totp/off", typed={"password": PASSWORD})


def _recovery(site: Site) -> Form:
    login = _fresh_login(site)
    site.browser(login)
    secret = _with_totp(site, login)
    return Form(login, "/account/security", "/account/totp/recovery", {"code": _next_code(secret)})


def _password_change(site: Site) -> Form:
    login = _fresh_login(site)
    new = "copper-willow-lantern"
    return Form(
        login,
        "/account/security",
        "/account/password",
        typed={"current": PASSWORD, "new": new, "confirm": new},
        signs_out=True,
    )


def _login(site: Site) -> Form:
    login = _fresh_login(site)
    return Form(
        None,
        "/login",
        "/login",
        typed={"login": login, "password": PASSWORD, "next": "/ledger"},
        client=site.new_client(),
    )


def _login_code(site: Site) -> Form:
    login = _fresh_login(site)
    secret = _with_totp(site, login)
    client = site.password_step(login)
    return Form(
        None, "/login/code", "/login/code", typed={"code": _next_code(secret)}, client=client
    )


def _login_setup(site: Site) -> Form:
    from minwon.org import twofactor

    login = _fresh_login(site, role="hq_analyst", unit=None)
    with write_session(site.engine) as db:
        twofactor.set_required_roles(db_session=db, roles=("hq_analyst",))
    client = site.password_step(login)
    return Form(
        None,
        "/login/setup",
        "/login/setup",
        from_page=lambda html: {"code": twofactor.code_at(_secret_on(html), utcnow())},
        client=client,
    )


def _session_sheet(site: Site) -> Form:
    scenario = site.scenario()["id"]
    page = f"/roleplay/sessions/new?scenario={scenario}&p=gr_officer"
    return Form("gr_lead", page, "/roleplay/sessions", typed={"coaching": "잘했어요"})


def _self_sheet(site: Site) -> Form:
    sid = site.session()
    scores = {f"self_{item['code']}": "4" for item in site.scenario()["rubric"]}
    return Form("gr_officer", f"/roleplay/sessions/{sid}", f"/roleplay/sessions/{sid}/self", scores)


def _checklist_item(site: Site) -> Form:
    template = site.template()["id"]
    return Form(
        "admin",
        "/quality/checklists",
        f"/quality/checklists/{template}/items",
        typed={"text": "먼저 인사"},
    )


def _item_edit(site: Site) -> Form:
    item = site.api(
        "admin",
        "POST",
        f"/api/v1/quality/templates/{site.template()['id']}/items",
        json={"stage": "greet", "text": "인사"},
    )
    return Form(
        "admin", "/quality/checklists", f"/quality/items/{item['id']}", typed={"text": "바꾼 문구"}
    )


def _visit_result_form(site: Site) -> Form:
    visit = site.visit()
    return Form(
        "admin", f"/quality/visits/{visit}", f"/quality/visits/{visit}", typed={"note": "방문함"}
    )


def _service_form(site: Site) -> Form:
    sid = site.service()
    return Form(
        "admin",
        f"/admin/open311/services/{sid}",
        f"/admin/open311/services/{sid}",
        typed={"description": "설명", "group": "시설", "keywords": "등", "category": "TRAFFIC"},
    )


def _attribute_form(site: Site) -> Form:
    sid = site.service()
    return Form(
        "admin",
        f"/admin/open311/services/{sid}",
        f"/admin/open311/services/{sid}/attributes",
        typed={
            "code": "lamps",
            "datatype": "singlevaluelist",
            "description": "몇 개인가요?",
            "datatype_description": "고르세요",
            "values": "one=하나\nmany=여럿",
        },
    )


def _action_form(name: str, **typed: Any) -> Callable:
    def make(site: Site) -> Form:
        aid = site.action()
        files = {"file": ("사진.pdf", PDF, "application/pdf")} if name == "evidence" else None
        return Form(
            "gr_lead", f"/actions/{aid}", f"/actions/{aid}/{name}", typed=dict(typed), files=files
        )

    return make


def _incident_form(site: Site) -> Form:
    iid = site.incident()
    return Form(
        "gr_lead",
        f"/protection/incidents/{iid}",
        f"/protection/incidents/{iid}",
        typed={"measures_note": "진정", "reported_note": "신고", "support_note": "휴식"},
    )


def _suspension_form(step: str) -> Callable:
    def make(site: Site) -> Form:
        sid = site.suspension()
        return Form(
            "admin",
            f"/protection/suspensions/{sid}",
            f"/protection/suspensions/{sid}/{step}",
            typed={"note": "사유"},
        )

    return make


def _close_form(site: Site) -> Form:
    vid = site.voice()["id"]
    path = f"/protection/voices/{vid}/close"
    return Form("gr_lead", path, path, typed={"reason": "욕설 반복"})


def _happy_call(site: Site) -> Form:
    vid = site.voice("answered")["id"]
    path = f"/surveys/happycall/{vid}"
    return Form("gr_officer2", path, path, typed={"comment": "친절"})


def _scenario_form(site: Site) -> Form:
    sid = site.scenario()["id"]
    return Form("admin", f"/roleplay/scenarios/{sid}/edit", f"/roleplay/scenarios/{sid}/edit")


PAGE_FORMS: dict[str, Callable[[Site], Form]] = {
    # signing in and one's own account
    "POST /login": _login,
    "POST /login/code": _login_code,
    "POST /login/setup": _login_setup,
    "POST /account/password": _password_change,
    "POST /account/totp": _totp_on,
    "POST /account/totp/off": _totp_off,
    "POST /account/totp/recovery": _recovery,
    # citizens
    "POST /submit": lambda s: Form(
        None,
        "/submit",
        "/submit",
        typed={
            "title": "가로등 고장",
            "body": "골목 가로등이 꺼졌습니다.",
            "dong": "구로1동",
            "address": "구로동 1",
            "contact_name": "홍길동",
            "contact_phone": "010-1234-5678",
            "contact_email": "a@example.kr",
            "contact_consent": "on",
        },
        files={"files": ("사진.pdf", PDF, "application/pdf")},
    ),
    "POST /track": _track,
    "POST /s": _code_form,
    "POST /s/c/{code}": _survey_by_code,
    "POST /s/{token}": _survey_by_link,
    "POST /kiosk/{token}": _kiosk,
    "POST /patrols/request": _on_page(
        None,
        "/patrols/request",
        place="구로시장 뒷골목",
        dong="구로1동",
        reason="어둡습니다",
        email="a@example.kr",
        consent="on",
    ),
    # voices
    "POST /voices/new": _on_page(
        "gr_officer",
        "/voices/new",
        title="가로등 고장",
        body="골목 가로등이 꺼졌습니다.",
        category="TRAFFIC",
        unit="GR01",
        dong="구로1동",
        address="구로동 1",
        contact_name="홍길동",
        contact_phone="010-1234-5678",
        contact_email="a@example.kr",
    ),
    "POST /voices/{voice_id}/{action} assign": _voice_form(
        "received", "assign", assignee="gr_officer"
    ),
    "POST /voices/{voice_id}/{action} answer": _voice_form(
        "received", "answer", who="gr_officer", body="처리했습니다"
    ),
    "POST /voices/{voice_id}/{action} return": _voice_form("draft", "return", note="보완"),
    "POST /voices/{voice_id}/{action} reopen": _voice_form("closed", "reopen", note="다시"),
    "POST /voices/{voice_id}/{action} transfer": _voice_form(
        "received", "transfer", unit="GR02", note="담당 아님"
    ),
    "POST /voices/{voice_id}/{action} extend": _voice_form(
        "received", "extend", days="3", reason="현장 확인"
    ),
    "POST /analysis/similar-preview": lambda s: Form(
        "gr_officer",
        "/voices/new",
        "/analysis/similar-preview",
        typed={"title": "가로등", "body": "꺼졌어요"},
        in_form=False,
    ),
    "POST /analysis/surges/check": _on_page("gr_cs", "/analysis/surges", "/analysis/surges/check"),
    "POST /imports": lambda s: Form(
        "gr_cs",
        "/imports",
        "/imports",
        typed={"office": "GR"},
        files={"file": ("대장.csv", _ledger_csv().encode(), "text/csv")},
    ),
    # organisation
    "POST /admin/units": lambda s: Form(
        "admin",
        "/admin",
        "/admin/units",
        typed={"office": "GR", "code": f"GR{50 + s.n()}", "name": "새 파출소", "kind": "파출소"},
    ),
    "POST /admin/units/change": _on_page(
        "admin", "/admin", "/admin/units/change", unit="GR02", name="가리봉", duties="교통 민원"
    ),
    "POST /admin/staff": lambda s: Form(
        "admin",
        "/admin",
        "/admin/staff",
        typed={
            "login": f"staff{s.n()}",
            "name": "김직원",
            "office": "GR",
            "unit": "GR01",
            "email": "kim@example.kr",
            "password": "violet-meadow-quartz",
        },
    ),
    "POST /admin/categories": lambda s: Form(
        "admin",
        "/admin",
        "/admin/categories",
        typed={"code": f"CAT{s.n()}", "name": "소음", "parent": "TRAFFIC"},
    ),
    "POST /admin/routing": lambda s: Form(
        "admin",
        "/admin",
        "/admin/routing",
        typed={"office": "GR", "category": "TRAFFIC", "dong": f"구로{s.n()}동", "unit": "GR02"},
    ),
    "POST /admin/upload": lambda s: Form(
        "admin",
        "/admin",
        "/admin/upload",
        files={"file": ("조직.yaml", ORG_FILE, "application/yaml")},
    ),
    "POST /admin/security/totp-roles": _on_page(
        "admin", "/admin/security", "/admin/security/totp-roles", role_admin="on"
    ),
    "POST /admin/tokens": _on_page(
        "admin", "/admin/tokens", "/admin/tokens", name="연동", login="gr_officer"
    ),
    # Open311 administration
    "POST /admin/open311/keys": _on_page(
        "admin", "/admin/open311", "/admin/open311/keys", name="민원 앱", office_GR="on"
    ),
    "POST /admin/open311/services": lambda s: Form(
        "admin",
        "/admin/open311",
        "/admin/open311/services",
        typed={
            "office": "GR",
            "code": f"lamp{s.n()}",
            "name": "가로등",
            "description": "꺼진 가로등",
            "category": "TRAFFIC",
            "group": "시설",
            "keywords": "가로등",
        },
    ),
    "POST /admin/open311/services/{service_id}": _service_form,
    "POST /admin/open311/services/{service_id}/attributes": _attribute_form,
    # actions
    "POST /actions": lambda s: Form(
        "gr_lead",
        "/actions",
        "/actions",
        typed={
            "title": "가로등 교체",
            "description": "전구 교체",
            "voices": str(s.voice()["id"]),
            "owner": "gr_officer",
            "dong": "구로1동",
        },
    ),
    "POST /actions/{action_id}/edit": _action_form(
        "edit", title="새 제목", description="설명", owner="gr_officer", unit="GR01", dong="구로2동"
    ),
    "POST /actions/{action_id}/status": _action_form("status", status="in_progress"),
    "POST /actions/{action_id}/evidence": _action_form("evidence", note="교체 완료"),
    # quality
    "POST /quality/checks": _on_page(
        "gr_lead", "/quality/checks/new", "/quality/checks", note="관찰", n_1="잘함"
    ),
    "POST /quality/visits": lambda s: _on_page(  # dates from the clock, when the test runs
        "admin",
        "/quality/visits",
        unit="GR01",
        officer="gr_officer",
        observer="gr_cs",
        window_start=_today(-5),
        window_end=_today(5),
        scenario="분실물 문의",
    )(s),
    "POST /quality/visits/{visit_id}": _visit_result_form,
    "POST /quality/checklists/{template_id}/items": _checklist_item,
    "POST /quality/items/{item_id}": _item_edit,
    "POST /quality/promises": lambda s: _on_page(
        "gr_lead", "/quality/promises", text="30분 안에 연락드립니다", since=_next_promise_day(s)
    )(s),
    # protection and role-play
    "POST /protection/settings": _on_page(
        "gr_cs", "/protection", "/protection/settings", appeal_contact="민원실 02-000-0000"
    ),
    "POST /protection/incidents": _on_page(
        "gr_lead",
        "/protection/incidents/new",
        "/protection/incidents",
        place="민원실",
        what_happened="고성과 욕설",
        staff_gr_officer="on",
        measures_note="진정",
        reported_note="신고",
        support_note="휴식",
    ),
    "POST /protection/incidents/{incident_id}": _incident_form,
    "POST /protection/suspensions": lambda s: Form(
        "gr_cs",
        "/protection/suspensions",
        "/protection/suspensions",
        typed={
            "identity": f"010-7777-{s.n():04d}",
            "reason_code": "repeat",
            "reason": "같은 민원 반복",
            "ends_at": _kst(days=30),
        },
    ),
    "POST /protection/suspensions/{suspension_id}/{step} lift": _suspension_form("lift"),
    "POST /protection/suspensions/{suspension_id}/{step} appeal": _suspension_form("appeal"),
    "POST /protection/voices/{voice_id}/close": _close_form,
    "POST /roleplay/scenarios/{scenario_id}/edit": _scenario_form,
    "POST /roleplay/sessions": _session_sheet,
    "POST /roleplay/sessions/{session_id}/self": _self_sheet,
    # outreach and patrols
    "POST /outreach": _on_page(
        "gr_officer",
        "/outreach",
        dong="구로1동",
        topic="주차",
        address="구로동 1",
        request="가로등이 어둡습니다",
        citizen_name="홍길동",
        citizen_phone="010-1234-5678",
        consent="on",
    ),
    "POST /outreach/team/target": _on_page(
        "gr_lead", "/outreach/team?unit=GR01", "/outreach/team/target"
    ),
    "POST /outreach/team/roster": lambda s: _on_page(
        "gr_lead",
        "/outreach/team?unit=GR01",
        "/outreach/team/roster",
        officer="gr_officer",
        off=_today(7),
    )(s),
    "POST /outreach/campaigns": lambda s: Form(
        "gr_lead",
        "/outreach/campaigns",
        "/outreach/campaigns",
        typed={
            "code": f"CAMP{s.n()}",
            "name": "안전 캠페인",
            "broadcast_script": "방송",
            "flyer_text": "전단",
            "talk_points": "요점",
        },
    ),
    "POST /outreach/campaigns/{campaign_id}/reach": lambda s: Form(
        "gr_lead",
        "/outreach/campaigns",
        f"/outreach/campaigns/{s.campaign()}/reach",
        typed={"count": "20", "dong": "구로1동"},
    ),
    "POST /patrols/staff-request": _on_page(
        "gr_lead",
        "/patrols?unit=GR01",
        "/patrols/staff-request",
        place="구로시장",
        start_hour="20",
        end_hour="23",
        reason="어둡습니다",
    ),
    "POST /patrols/plan": _patrol_plan,
    "POST /patrols/log": _on_page(
        "gr_officer", "/patrols?unit=GR01", "/patrols/log", place="구로시장", note="이상 없음"
    ),
    "POST /patrols/incidents": lambda s: Form(
        "gr_lead",
        "/patrols?unit=GR01",
        "/patrols/incidents",
        files={"file": ("112.csv", "장소,시,건수\n시장 입구,19,30\n".encode(), "text/csv")},
    ),
    # surveys
    "POST /surveys/happycall/{voice_id}": _happy_call,
    "POST /surveys/templates": lambda s: Form(
        "gr_cs",
        "/surveys",
        "/surveys/templates",
        typed={
            "code": f"t{s.n()}",
            "name": "만족도",
            "intro": "설문입니다",
            "q0_key": "csat",
            "q0_text": "만족하셨나요?",
            "q1_key": "why",
            "q1_kind": "choice",
            "q1_text": "이유",
            "q1_choices": "빠름, 친절",
        },
        left_out=tuple(
            f"q{i}_{part}"
            for i in range(2, 6)
            for part in ("key", "kind", "text", "choices", "required")
        ),
    ),
}
"""A valid form of every page route that takes text, made afresh for each use; a route whose
path names an action (``{action}``, ``{step}``) has one form for each action that takes text."""

PAGES_WITHOUT_TEXT = {
    "POST /logout": "the session only",
    "POST /admin/sessions/end-all": "the session only",
    "POST /admin/security/throttle-reset": "the session only",
    "POST /admin/security/unlock/{staff_id}": "a staff id only",
    "POST /admin/security/totp-reset/{staff_id}": "a staff id only",
    "POST /admin/tokens/{token_id}/revoke": "a token id only",
    "POST /admin/open311/keys/{key_id}/revoke": "a key id only",
    "POST /admin/open311/services/{service_id}/attributes/{attribute_id}/delete": "ids only",
    "POST /quality/visits/{visit_id}/cancel": "a visit id only",
    "POST /roleplay/scenarios/{scenario_id}/reset": "a scenario id only",
    "POST /surveys/invite/{voice_id}": "a voice id only",
}
"""Page routes that write but whose forms carry no text (start, approve and close of a voice
are the same route as its other actions, which do)."""


def test_every_page_route_that_writes_has_a_valid_form_or_takes_no_text() -> None:
    pages = {f"{m} {p}" for m, p, api, _ in routes() if not api and m in WRITES}
    covered = {" ".join(name.split(" ")[:2]) for name in PAGE_FORMS}
    missing = sorted(pages - covered - set(PAGES_WITHOUT_TEXT))
    assert not missing, "Add a valid form to PAGE_FORMS:\n  " + "\n  ".join(missing)
    stale = sorted((covered | set(PAGES_WITHOUT_TEXT)) - pages)
    assert not stale, stale


def _form_with_nuls(pairs: list[list[str]], *, in_names: bool) -> list[list[str]]:
    """The form's fields with a NUL in every value at once, or else in every name (the CSRF
    token aside; apart for the reason ``with_nuls`` gives)."""
    return [
        pair
        if pair[0] == "csrf_token"
        else [with_nul(pair[0]), pair[1]]
        if in_names
        else [pair[0], with_nul(pair[1])]
        for pair in pairs
    ]


@on_postgresql
@pytest.mark.parametrize("name", sorted(PAGE_FORMS))
def test_a_nul_in_any_field_of_a_page_form_is_never_a_server_error(site: Site, name: str) -> None:
    make = PAGE_FORMS[name]
    form = make(site)
    pairs = form.fields(site)
    first = _send_form(site, form, pairs, form.files)
    outcome = page_outcome(site, form, first)
    assert outcome == "accepted", f"the valid form is not accepted: {outcome}"
    for in_names in (False, True):
        form = make(site)
        files = {
            name: (with_nul(file_name), content, with_nul(kind))
            for name, (file_name, content, kind) in (form.files or {}).items()
        }
        pairs = _form_with_nuls(form.fields(site), in_names=in_names)
        sent = _send_form(site, form, pairs, form.files if in_names else files or form.files)
        outcome = page_outcome(site, form, sent)
        where = "names" if in_names else "values"
        assert outcome == "accepted", f"NULs in the {where}: {outcome}"


# ---------------------------------------------------------------- what every route reads

SAMPLES = {
    "office": "GR",
    "unit": "GR01",
    "units": "GR01",
    "q": "가로등",
    "login": "gr_officer",
    "officer": "gr_officer",
    "staff": "gr_officer",
    "category": "TRAFFIC",
    "dong": "구로1동",
    "kind": "complaint",
    "channel": "phone",
    "status": "received",
    "organization": "KNPA",
    "jurisdiction_id": "GR",
    "service_code": "noise",
    "service_request_id": "GR01-2026-000001",
    "quarter": "2026Q4",
    "month": "2026-11",
    "period": "2026-11",
    "lang": "ko",
    "p": "gr_officer",
}
"""A plausible value of a query parameter, by name (others get ``GR01``); each is sent with a
NUL in it."""
READERS = [None, "gr_lead", "gr_cs", "hq", "admin"]
"""A citizen and a role of each kind of reach: one unit, one office, every office, all."""
_QUERY_READ = re.compile(r'query_params\.(?:get|getlist)\("(\w+)"')


def _text_parameters(route: APIRoute) -> tuple[list[str], list[str]]:
    """The query parameters a route reads (declared, in a query model, or read from
    ``request.query_params`` in its endpoint) and its path parameters that are text."""
    import inspect

    from pydantic import BaseModel

    query: list[str] = []
    texts: list[str] = []
    dependants = [route.dependant]
    while dependants:
        dependant = dependants.pop()
        dependants += dependant.dependencies
        for param in dependant.query_params:
            kind = param.field_info.annotation
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                query += [f.alias or name for name, f in kind.model_fields.items()]
            else:
                query.append(param.alias)
        texts += [p.alias for p in dependant.path_params if p.field_info.annotation is str]
        try:
            query += _QUERY_READ.findall(inspect.getsource(dependant.call))  # type: ignore[arg-type]
        except (OSError, TypeError):
            pass
    return sorted(set(query)), sorted(set(texts))


@on_postgresql
def test_a_nul_in_a_query_or_path_parameter_is_never_a_server_error(
    world_and_rows: tuple[TestClient, Any, dict[str, object]],  # noqa: F811  (the fixture)
) -> None:
    client, world, values = world_and_rows
    wrong = []
    for method, path, _api, route in routes():
        if method != "GET":
            continue
        query, texts = _text_parameters(route)
        asks = [({name: with_nul(SAMPLES.get(name, "GR01"))}, path) for name in query]
        for name in texts:
            typed = quote(with_nul(str(values.get(name, SAMPLES.get(name, "GR")))), safe="")
            asks.append(({}, path.replace("{" + name + "}", typed)))
        for login in READERS:
            headers = world.auth(login) if login else {}
            for params, template in asks:
                response = client.get(_fill(template, values), params=params, headers=headers)
                if response.status_code >= 500:
                    wrong.append(f"{login}: GET {template} {params} -> {response.status_code}")
    assert not wrong, "\n".join(wrong)


# ---------------------------------------------------------------- what is stored
# (on every engine: SQLite, which would store a NUL, now gets the same text as PostgreSQL)


def _rows(engine: Engine, query: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(query), params))


def _answers(engine: Engine) -> dict[str, Any]:
    """The answers of the only survey response (jsonb on PostgreSQL, text on SQLite)."""
    [(stored,)] = _rows(engine, "SELECT answers FROM survey_response")
    return json.loads(stored) if isinstance(stored, str) else stored


def test_text_sent_to_the_api_is_stored_without_its_nuls(site: Site) -> None:
    made = site.client.post(
        "/api/v1/voices",
        json=voice_json(
            unit="GR\x0001",
            title="가로등\x00 고장",
            body="골목\x00 가로등이\x00 꺼졌습니다.",
            address="구로동\x00 1",
            contact={"name": "홍\x00길동", "phone": "010-1234-5678", "consent": True},
        ),
        headers=site.world.auth("gr_cs"),
    )
    assert made.status_code == 201, made.text
    assert made.json()["unit"]["code"] == "GR01"
    vid = made.json()["id"]
    [(title, body, address)] = _rows(
        site.engine, "SELECT title, body, address FROM voice WHERE id = :v", v=vid
    )
    assert (title, body, address) == ("가로등 고장", "골목 가로등이 꺼졌습니다.", "구로동 1")
    assert _rows(site.engine, "SELECT name FROM voice_contact WHERE voice_id = :v", v=vid) == [
        ("홍길동",)
    ]
    shown = site.client.get(f"/api/v1/voices/{vid}", headers=site.world.auth("gr_cs")).json()
    assert shown["title"] == "가로등 고장"

    incident = site.client.post(
        "/api/v1/protection/incidents",
        json={
            "unit": "GR01",
            "occurred_at": _kst(days=-1),
            "channel": "visit",
            "what_happened": "고성\x00과 욕설",
            "staff": ["gr_\x00officer"],
        },
        headers=site.world.auth("gr_lead"),
    )
    assert incident.status_code == 201, incident.text
    assert _rows(site.engine, "SELECT what_happened FROM protection_incident") == [("고성과 욕설",)]

    unit = site.client.patch(
        "/api/v1/units/GR\x0002".replace("\x00", "%00"),
        json={"name": "가리봉\x00파출소", "duties": "교통\x00 민원"},
        headers=site.world.auth("admin"),
    )
    assert unit.status_code == 200, unit.text
    assert _rows(site.engine, "SELECT name, duties FROM unit WHERE code = 'GR02'") == [
        ("가리봉파출소", "교통 민원")
    ]

    answers = {
        "csat": "4",
        "kind": 5,
        "speed": "3",
        "nps": "9",
        "clear": "yes",
        "comment": "친\x00절",
    }
    vid = site.voice("answered")["id"]
    call = site.client.post(
        f"/api/v1/voices/{vid}/happycall",
        json={"answers": answers},
        headers=site.world.auth("gr_officer2"),
    )
    assert call.status_code == 201, call.text
    assert _answers(site.engine)["comment"] == "친절"


def test_a_citizen_s_form_is_taken_without_its_nuls_and_files_byte_for_byte(site: Site) -> None:
    browser = site.browser(None)
    typed = {
        "csrf_token": csrf(browser, "/submit"),
        "channel": "web",
        "office": "G\x00R",
        "kind": "complaint",
        "title": "가로등\x00 고장",
        "body": "불이\x00 꺼졌어요",
        "contact_name": "홍\x00길동",
        "contact_email": "a@example.kr",
        "contact_consent": "on",
    }
    body, headers = multipart(typed, {"files": ("사\x00진.pdf", PDF, "application/pdf")})
    sent = browser.post("/submit", content=body, headers=headers)
    assert sent.status_code == 303, _errors_in(sent.text)
    [(vid, title, body)] = _rows(site.engine, "SELECT id, title, body FROM voice")
    assert (title, body) == ("가로등 고장", "불이 꺼졌어요")
    [(name, content)] = _rows(
        site.engine, "SELECT file_name, content FROM voice_attachment WHERE voice_id = :v", v=vid
    )
    assert name == "사진.pdf" and bytes(content) == PDF  # the file's own NULs are kept

    asked = post_form(
        browser,
        "/patrols/request",
        {
            "unit": "GR01",
            "place": "구로시장\x00 뒷골목",
            "day": _today(2),
            "start_hour": "22",
            "end_hour": "2",
            "reason": "어둡\x00습니다",
        },
        "/patrols/request",
    )
    assert asked.status_code == 200, _errors_in(asked.text)
    assert _rows(site.engine, "SELECT place, reason FROM patrol_request") == [
        ("구로시장 뒷골목", "어둡습니다")
    ]

    link = urlsplit(_survey_invitation(site)["link"]).path
    fields = Form(None, link, link).fields(site)
    pairs = dict(fields) | {"comment": "친\x00절했습니다"}
    answered = browser.post(link, data=pairs)
    assert answered.status_code in (200, 303), _errors_in(answered.text)
    assert _answers(site.engine)["comment"] == "친절했습니다"


def test_an_evidence_file_is_stored_byte_for_byte_and_its_note_without_nuls(site: Site) -> None:
    action = site.action()
    body, headers = multipart(
        {"note": "교체\x00 완료"}, {"file": ("사\x00진.pdf", PDF, "application/pdf")}
    )
    sent = site.client.post(
        f"/api/v1/actions/{action}/evidence",
        content=body,
        headers={**headers, **site.world.auth("gr_lead")},
    )
    assert sent.status_code == 201, sent.text
    [(note, name, content)] = _rows(
        site.engine, "SELECT note, file_name, content FROM action_evidence"
    )
    assert (note, name, bytes(content)) == ("교체 완료", "사진.pdf", PDF)


ORG_FILE_WITH_NULS = """
organization: {code: KNPA}
offices:
  - code: GR
    units:
      - {code: GR07, name: "신도림\\0지구대", kind: "지구\\0대", duties: "교통\\0 민원"}
staff:
  - {login: gr07.lead, name: "박\\0대장", role: unit_lead, unit: GR07}
categories:
  - {code: NOISE, name: "소\\0음"}
""".encode()
"""An organisation file whose names hold NULs (YAML writes one as ``\\0``)."""


def test_an_organisation_file_with_nuls_loads_without_them(site: Site) -> None:
    loaded = site.client.post(
        "/api/v1/org/load",
        files={"file": ("org.yaml", ORG_FILE_WITH_NULS, "application/yaml")},
        headers=site.world.auth("admin"),
    )
    assert loaded.status_code == 200, loaded.text
    assert _rows(site.engine, "SELECT name, kind, duties FROM unit WHERE code = 'GR07'") == [
        ("신도림지구대", "지구대", "교통 민원")
    ]
    assert _rows(site.engine, "SELECT name FROM staff WHERE login = 'gr07.lead'") == [("박대장",)]
    assert _rows(site.engine, "SELECT name FROM category WHERE code = 'NOISE'") == [("소음",)]


def test_an_imported_ledger_with_nuls_in_its_cells_is_saved_without_them(
    site: Site, tmp_path: Any
) -> None:
    from minwon.org.models import Staff
    from minwon.voices.importer import import_file

    head = "received_at,kind,channel,title,body,unit,category,dong,address,citizen_name\n"
    long_row = f"{_ago(6)},complaint,phone,긴 민원,{'가' * 9000},GR01,,구로1동,구로로 1,김\n"
    nul_row = (
        f"{_ago(5)},com\x00plaint,pho\x00ne,가로등\x00 고장,불이\x00 꺼졌어요,"
        "GR\x0001,TRA\x00FFIC,구로\x001동,구로로\x00 1,홍\x00길동\n"
    )
    path = tmp_path / "대장.csv"
    path.write_bytes((head + long_row + nul_row).encode())  # the NULs after the first 8 KB
    with write_session(site.engine) as db:
        principal = org_service.principal_for(db.query(Staff).filter_by(login="gr_cs").one())
    report = import_file(engine=site.engine, path=path, principal=principal)
    assert report.ok, report.format()
    rows = _rows(site.engine, "SELECT title, body, dong, address FROM voice ORDER BY id")
    assert rows[-1] == ("가로등 고장", "불이 꺼졌어요", "구로1동", "구로로 1")


def test_incident_counts_with_nuls_in_a_place_are_saved_without_them(site: Site) -> None:
    sent = site.client.post(
        "/api/v1/patrols/incidents",
        data={"unit": "GR01", "quarter": _quarter()},
        files={"file": ("112.csv", "장소,시,건수\n시장\x00 입구,19,30\n".encode(), "text/csv")},
        headers=site.world.auth("gr_lead"),
    )
    assert sent.status_code < 300, sent.text
    from minwon.outreach import patrols

    stored = _rows(site.engine, "SELECT place_key FROM patrol_incident")
    assert stored == [(patrols.place_key("시장 입구"),)]
