"""POST requests becomes a voice through the ledger's intake; keys, offices, attributes and
locations are checked (nothing written on a refusal); reads filter, page and never show
contact data."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from minwon.analysis.models import VoiceAnalysis
from minwon.db import session_factory, write_session
from minwon.open311.formats import w3c
from minwon.open311.models import Open311Key, Open311Request
from minwon.timeutil import utcnow
from minwon.voices.models import Voice, VoiceContact
from open311.world import NO_ATTRIBUTES, Open311World, issue_key, post_request


def _voice(o: Open311World, ledger_no: str) -> tuple[Voice, VoiceContact | None, Open311Request]:
    with session_factory(o.engine)() as db:
        voice = db.scalars(select(Voice).where(Voice.ledger_no == ledger_no)).one()
        return voice, db.get(VoiceContact, voice.id), db.get_one(Open311Request, voice.id)


def _count(o: Open311World) -> int:
    with session_factory(o.engine)() as db:
        return db.scalar(select(func.count(Voice.id))) or 0


def test_a_posted_request_becomes_a_voice_through_intake(o311: Open311World) -> None:
    created = post_request(o311).json()[0]
    voice, contact, link = _voice(o311, created["service_request_id"])
    assert voice.channel == "open311" and voice.kind == "request"
    assert voice.ledger_no.startswith("GR02-")  # routed by the category rule (TRAFFIC → GR02)
    assert created["service_notice"].endswith(w3c(voice.due_at) or "no deadline")
    assert voice.title.startswith("가로등 고장: 골목 가로등이 꺼졌습니다.")
    assert "- 위험한가요?: 예" in voice.body and "- 언제 어두운가요?: 저녁, 밤" in voice.body
    assert (voice.lat, voice.lon) == (37.4954, 126.8874)
    assert link.attributes == {"danger": "yes", "hours": ["evening", "night"], "lamps": "3"}
    assert contact is not None and (contact.name, contact.phone) == ("홍길동", "010-1234-5678")
    assert (
        "010-1234-5678" not in link.public_description and "홍길동" not in link.public_description
    )
    with session_factory(o311.engine)() as db:
        assert db.get(VoiceAnalysis, voice.id) is not None  # analysed at intake


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"api_key": None}, 403, "api_key"),
        ({"api_key": "o311_not-a-key"}, 403, "api_key"),
        ({"api_key": ""}, 403, "api_key"),
        ({"jurisdiction_id": "DJ"}, 403, "DJ"),
        ({"jurisdiction_id": "XX"}, 404, "XX"),
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "nothing"}, 404, "nothing"),
        ({"lat": None, "long": None, "address_string": None}, 400, "location"),
        ({"lat": "north"}, 400, "lat"),
        ({"long": None}, 400, "lat and long"),
        ({"lat": "137"}, 400, "range"),
        ({"attribute[danger]": None}, 400, "attribute[danger]"),
        ({"attribute[danger]": "maybe"}, 400, "danger"),
        ({"attribute[hours]": "noon"}, 400, "hours"),
        ({"attribute[lamps]": "three"}, 400, "number"),
        ({"attribute[lamps]": "nan"}, 400, "number"),
        ({"attribute[since]": "yesterday"}, 400, "date-time"),
        ({"phone": "12"}, 400, "phone"),
        ({"email": "not-mail"}, 400, "email"),
        ({"description": "가" * 4001}, 400, "4000"),
    ],
)
def test_refusals_write_nothing(
    o311: Open311World, change: dict, status: int, message: str
) -> None:
    before = _count(o311)
    for fmt in ("json", "xml"):
        response = post_request(o311, fmt, **change)
        assert response.status_code == status, response.text
        assert message in response.text
    assert _count(o311) == before


def test_blank_optional_arguments_count_as_absent(o311: Open311World) -> None:
    response = post_request(
        o311, lat="", long="", email="", phone="", description="", **{"attribute[lamps]": ""}
    )
    assert response.status_code == 200, response.text
    voice, contact, link = _voice(o311, response.json()[0]["service_request_id"])
    assert voice.lat is None and contact is not None and contact.email == ""
    assert "lamps" not in link.attributes
    listed = o311.client.get(
        "/open311/v2/requests.json",
        params={"service_code": "", "status": "", "start_date": "", "jurisdiction_id": ""},
    )
    assert listed.status_code == 200 and len(listed.json()) == 1


def test_attributes_the_service_does_not_define_are_left_out(o311: Open311World) -> None:
    extra = {"attribute[report_url]": "https://fms.example/report/1", "attribute[title]": "x"}
    response = post_request(o311, **extra)
    assert response.status_code == 200, response.text
    _, _, link = _voice(o311, response.json()[0]["service_request_id"])
    assert set(link.attributes) == {"danger", "hours", "lamps"}


def test_a_key_files_into_its_only_office_without_jurisdiction(o311: Open311World) -> None:
    response = post_request(o311, jurisdiction_id=None, api_key=o311.dj_key, **NO_ATTRIBUTES)
    assert response.status_code == 200, response.text
    assert response.json()[0]["service_request_id"].startswith("DJ01-")


def test_a_retried_post_with_an_idempotency_key_files_once(o311: Open311World) -> None:
    retry = {"Idempotency-Key": "app-42"}
    first = post_request(o311, headers=retry)
    before = _count(o311)
    again = post_request(o311, headers=retry)
    assert again.status_code == 200 and again.json() == first.json()
    assert _count(o311) == before
    changed = post_request(o311, headers=retry, description="다른 내용")
    assert changed.status_code == 409 and changed.json()[0]["code"] == 409
    assert _count(o311) == before
    other_key = post_request(o311, headers=retry, api_key=issue_key(o311.engine, ["GR"]))
    assert other_key.status_code == 200 and _count(o311) == before + 1  # keys do not collide


def test_a_revoked_key_files_nothing(o311: Open311World) -> None:
    with write_session(o311.engine) as db:
        for key in db.scalars(select(Open311Key)):
            key.revoked_at = utcnow()
    assert post_request(o311).status_code == 403


def test_each_key_has_its_own_rate_limit(o311: Open311World) -> None:
    slow = issue_key(o311.engine, ["GR"], rate="2/hour")
    assert [post_request(o311, api_key=slow).status_code for _ in range(3)] == [200, 200, 429]
    refused = post_request(o311, "xml", api_key=slow)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert b"<code>429</code>" in refused.content
    assert post_request(o311).status_code == 200  # another key is not held back


def test_reads_filter_by_ids_codes_status_and_dates(o311: Open311World, clock) -> None:
    first = post_request(o311).json()[0]["service_request_id"]
    noise = post_request(o311, service_code="noise", **NO_ATTRIBUTES).json()
    noise_id = noise[0]["service_request_id"]

    def ids(**params: str) -> list[str]:
        response = o311.client.get("/open311/v2/requests.json", params=params)
        assert response.status_code == 200, response.text
        return [r["service_request_id"] for r in response.json()]

    assert ids() == [noise_id, first]
    assert ids(service_code="noise") == [noise_id]
    assert ids(service_code="noise,streetlight") == [noise_id, first]
    assert ids(service_request_id=f"{first},GR99-2026-000001") == [first]
    assert ids(service_request_id=first, service_code="noise") == [first]  # ids override
    assert ids(status="open") == [noise_id, first] and ids(status="closed") == []
    assert ids(status="open,closed") == [noise_id, first]
    assert ids(page_size="1") == [noise_id] and ids(page_size="1", page="2") == [first]
    assert ids(jurisdiction_id="DJ") == []
    clock.shift(timedelta(days=91))
    assert ids() == []  # the default window is the last 90 days
    start = (utcnow() - timedelta(days=95)).isoformat()
    assert ids(start_date=start) == [noise_id, first]


def test_reads_show_no_contact_data(o311: Open311World) -> None:
    ledger_no = post_request(o311).json()[0]["service_request_id"]
    for path in (
        "/open311/v2/requests.json?extensions=true",
        f"/open311/v2/requests/{ledger_no}.xml?extensions=true",
        "/open311/v2/servicerequestupdates.json",
    ):
        text = o311.client.get(path).text
        for personal in ("010-1234-5678", "hong@example.com", "홍길동", "길동"):
            assert personal not in text, (path, personal)


def test_only_requests_filed_over_open311_are_published(o311: Open311World) -> None:
    from web.pagetools import api_voice

    staff_voice = api_voice(o311.client, o311.world, "gr_officer")
    listed = o311.client.get("/open311/v2/requests.json").json()
    assert staff_voice["ledger_no"] not in {r["service_request_id"] for r in listed}
    missing = o311.client.get(f"/open311/v2/requests/{staff_voice['ledger_no']}.json")
    assert missing.status_code == 404


def test_a_transferred_request_follows_its_new_line(o311: Open311World) -> None:
    ledger_no = post_request(o311).json()[0]["service_request_id"]
    voice, _, _ = _voice(o311, ledger_no)
    moved = o311.client.post(
        f"/api/v1/voices/{voice.id}/transfer",
        json={"unit": "GR01", "note": "관할 지구대"},
        headers=o311.world.auth("gr2_lead"),
    )
    assert moved.status_code == 200, moved.text
    one = o311.client.get(f"/open311/v2/requests/{ledger_no}.json?extensions=true").json()[0]
    assert one["service_request_id"] == ledger_no
    assert one["agency_responsible"] == "구로지구대" and one["status"] == "open"
    assert one["extended_attributes"]["ledger_no"].startswith("GR01-")
    assert [n["type"] for n in one["notes"]] == ["received", "transferred"]
    assert "관할" not in str(one)  # the transfer note is internal
