"""Every GeoReport v2 endpoint in both formats: the JSON answer is valid against the spec's
schema (georeport_schemas), the XML answer is well-formed UTF-8 ``text/xml`` and says the
same as the JSON, and errors are the spec's error document in both."""

from typing import Any
from xml.etree import ElementTree

import pytest
from jsonschema import Draft202012Validator

from open311 import georeport_schemas as schemas
from open311.world import Open311World, post_request
from open311.xmltools import as_xml_text, from_xml


def both(o: Open311World, path: str, status: int = 200) -> tuple[Any, Any]:
    """GET ``path`` (without extension) in JSON and XML: both bodies, checked for type."""
    stem, _, query = path.partition("?")
    tail = f"?{query}" if query else ""
    as_json = o.client.get(f"/open311/v2/{stem}.json{tail}")
    as_xml = o.client.get(f"/open311/v2/{stem}.xml{tail}")
    assert as_json.status_code == status, as_json.text
    assert as_xml.status_code == status, as_xml.text
    assert as_json.headers["content-type"] == "application/json; charset=utf-8"
    assert as_xml.headers["content-type"] == "text/xml; charset=utf-8"
    assert as_xml.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return as_json.json(), ElementTree.fromstring(as_xml.content)


def conforms(o: Open311World, path: str, root: str, schema: dict, status: int = 200) -> Any:
    """The JSON of ``path``, valid against ``schema`` and the same as its XML under ``root``."""
    data, xml = both(o, path, status)
    Draft202012Validator(schema).validate(data)
    assert xml.tag == root
    assert from_xml(xml) == as_xml_text(data) or (data == [] and list(xml) == [])
    return data


def answered(o: Open311World) -> str:
    """A request filed, started, answered and sent by the unit lead; its ledger number."""
    from minwon.db import session_factory
    from minwon.voices.models import Voice

    ledger_no = post_request(o).json()[0]["service_request_id"]
    with session_factory(o.engine)() as db:
        voice_id = db.query(Voice.id).filter(Voice.ledger_no == ledger_no).scalar()
    lead = o.world.auth("gr2_lead")
    for step, body in (("start", None), ("answer", {"body": "홍길동님, 가로등을 고쳤습니다."})):
        r = o.client.post(f"/api/v1/voices/{voice_id}/{step}", json=body, headers=lead)
        assert r.status_code == 200, r.text
    r = o.client.post(f"/api/v1/voices/{voice_id}/answer/approve", headers=lead)
    assert r.status_code == 200, r.text
    return ledger_no


def test_discovery(o311: Open311World) -> None:
    data = conforms(o311, "discovery", "discovery", schemas.DISCOVERY)
    assert data["endpoints"][0]["url"].endswith("/open311/v2")


def test_services_and_every_attribute_datatype(o311: Open311World) -> None:
    services = conforms(o311, "services?jurisdiction_id=GR", "services", schemas.SERVICES)
    assert {s["service_code"]: s["metadata"] for s in services} == {
        "noise": False,
        "streetlight": True,
    }
    definition = conforms(
        o311,
        "services/streetlight?jurisdiction_id=GR",
        "service_definition",
        schemas.SERVICE_DEFINITION,
    )
    attributes = definition["attributes"]
    assert [a["datatype"] for a in attributes] == [
        "string",
        "number",
        "datetime",
        "text",
        "singlevaluelist",
        "multivaluelist",
    ]
    assert [a["order"] for a in attributes] == [1, 2, 3, 4, 5, 6]
    assert attributes[4]["required"] is True
    assert attributes[5]["values"][1] == {"key": "night", "name": "밤"}


def test_post_answer_in_both_formats(o311: Open311World) -> None:
    for fmt in ("json", "xml"):
        response = post_request(o311, fmt)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(
            "application/json" if fmt == "json" else "text/xml"
        )
    created = post_request(o311).json()
    schemas_ok = Draft202012Validator(schemas.POST_RESPONSE)
    schemas_ok.validate(created)
    xml = ElementTree.fromstring(post_request(o311, "xml").content)
    assert xml.tag == "service_requests" and xml.find("request/service_request_id") is not None


def test_requests_request_and_token(o311: Open311World) -> None:
    created = post_request(o311).json()[0]
    ledger_no = answered(o311)
    listed = conforms(o311, "requests", "service_requests", schemas.SERVICE_REQUESTS)
    assert {r["service_request_id"] for r in listed} == {created["service_request_id"], ledger_no}
    extended = conforms(
        o311, "requests?extensions=true", "service_requests", schemas.SERVICE_REQUESTS
    )
    assert all("extended_attributes" in r and r["notes"] for r in extended)
    one = conforms(
        o311, f"requests/{ledger_no}?extensions=true", "service_requests", schemas.SERVICE_REQUESTS
    )
    assert one[0]["status"] == "closed"
    token = conforms(o311, f"tokens/{created['token']}", "service_requests", schemas.TOKENS)
    assert token == [
        {"token": created["token"], "service_request_id": created["service_request_id"]}
    ]


def test_service_request_updates(o311: Open311World) -> None:
    ledger_no = answered(o311)
    updates = conforms(o311, "servicerequestupdates", "service_request_updates", schemas.UPDATES)
    mine = [u for u in updates if u["service_request_id"] == ledger_no]
    assert [u["status"] for u in mine] == ["open", "in_progress", "closed"]
    assert mine[-1]["description"] == "[이름]님, 가로등을 고쳤습니다."
    assert len({u["update_id"] for u in updates}) == len(updates)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("services", 400),
        ("services?jurisdiction_id=XX", 404),
        ("services/nothing?jurisdiction_id=GR", 404),
        ("requests/GR01-2026-999999", 404),
        ("tokens/nothing", 404),
        ("requests?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", 400),
        ("requests?status=pending", 400),
        ("requests?page_size=0", 400),
        ("requests?end_date=yesterday", 400),
    ],
)
def test_errors_are_the_specs_document(o311: Open311World, path: str, status: int) -> None:
    data = conforms(o311, path, "errors", schemas.ERRORS, status)
    assert data[0]["code"] == status and data[0]["description"]


def test_unknown_format_and_path_are_404_in_xml(o311: Open311World) -> None:
    for path in ("/open311/v2/services.csv", "/open311/v2/nothing.xml"):
        response = o311.client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "text/xml; charset=utf-8"
        assert ElementTree.fromstring(response.content).find("error/code").text == "404"
