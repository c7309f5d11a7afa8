"""A real Open311 client from PyPI, ``georeport`` 0.3.1 (Python 3; it speaks HTTP through
``requests`` and reads XML with ``xmltodict``), against minwon served by uvicorn on a free
port: discovery (which the client has no method for: read with ``requests`` and
``xmltodict`` as it does), the service list, a service definition, the requests and one
request, in JSON and in XML."""

import threading
import time
from collections.abc import Iterator

import pytest
import requests
import uvicorn
import xmltodict
from georeport import GeoReport

from open311.world import Open311World, post_request


@pytest.fixture
def served(o311: Open311World) -> Iterator[str]:
    """The app of ``o311`` served by uvicorn on a free local port; its Open311 root URL."""
    config = uvicorn.Config(o311.client.app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/open311/v2"
    server.should_exit = True
    thread.join(timeout=10)


def test_discovery_read_as_the_client_reads(served: str) -> None:
    xml = xmltodict.parse(requests.get(f"{served}/discovery.xml", timeout=10).content)
    endpoint = xml["discovery"]["endpoints"]["endpoint"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"]["format"] == ["text/xml", "application/json"]
    data = requests.get(f"{served}/discovery.json", timeout=10).json()
    assert data["endpoints"][0]["url"].endswith("/open311/v2")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_georeport_client_reads_services_and_requests(
    o311: Open311World, served: str, fmt: str
) -> None:
    filed = [post_request(o311).json()[0]["service_request_id"] for _ in range(2)]
    client = GeoReport(served, jurisdiction="GR", output_format=fmt)

    services = client.get_service_list()
    assert sorted(s["service_code"] for s in services) == ["noise", "streetlight"]

    definition = client.get_service_definition("streetlight")
    attributes = definition["attributes"]
    if fmt == "xml":
        attributes = attributes["attribute"]
    assert [a["code"] for a in attributes][:2] == ["where_exactly", "lamps"]
    assert {a["datatype"] for a in attributes} == {
        "string",
        "number",
        "datetime",
        "text",
        "singlevaluelist",
        "multivaluelist",
    }

    found = client.get_service_requests(service_code="streetlight", status="open")
    assert sorted(r["service_request_id"] for r in found) == sorted(filed)
    one = client.get_service_request(filed[0])
    assert one["service_request_id"] == filed[0]
    assert one["status"] == "open"
    assert one["agency_responsible"] == "가리봉파출소"
    assert "010-1234-5678" not in str(one) and "hong@example.com" not in str(one)


def test_the_client_sees_the_specs_errors(served: str) -> None:
    client = GeoReport(served, jurisdiction="GR")
    with pytest.raises(requests.HTTPError) as caught:
        client.get_service_request("GR01-2026-999999")
    assert caught.value.response.status_code == 404
    assert caught.value.response.json()[0]["code"] == 404
