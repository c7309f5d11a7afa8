"""The two wire formats of GeoReport v2: XML (mandatory in the spec, ``text/xml``, UTF-8) and
JSON, chosen by the extension of the path (``services.xml``, ``services.json``); and the
spec's error document in both."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

from fastapi.responses import Response

from minwon.timeutil import to_kst

FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
ITEM_TAGS = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
    "notes": "note",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "services": "service",
    "errors": "error",
}
"""The element of each item of a list, by the list's element (``<values><value>``)."""
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """Text both formats can carry alike: without the characters XML 1.0 cannot hold
    (control characters, lone surrogates) and with one kind of line break (an XML parser
    turns CR LF into LF)."""
    return NOT_IN_XML.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


@dataclass(frozen=True)
class Open311Error(Exception):
    """An error the spec's way: an HTTP status and one or more (code, description) pairs."""

    status: int
    description: str
    retry_after: int = 0


def w3c(moment: datetime | None) -> str | None:
    """A W3C date-time in Korean time with its offset (``2026-11-25T10:30:00+09:00``)."""
    if moment is None:
        return None
    return to_kst(moment).replace(microsecond=0).isoformat()


def split_format(name: str) -> tuple[str, str]:
    """``("services", "json")`` from ``"services.json"``; an unknown or missing extension
    is a 404 (answered in XML, the format every client reads)."""
    stem, dot, fmt = name.rpartition(".")
    if not dot or fmt not in FORMATS or not stem:
        raise Open311Error(404, "Unknown format: use .xml or .json")
    return stem, fmt


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return w3c(value) or ""
    return clean(str(value))


def _fill(parent: ElementTree.Element, tag: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, tag)
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _fill(element, str(key), inner)
    elif isinstance(value, Sequence) and not isinstance(value, str):
        item_tag = ITEM_TAGS.get(tag, "value")
        for inner in value:
            _fill(element, item_tag, inner)
    else:
        element.text = _text(value)


def to_xml(root: str, body: Any) -> bytes:
    """``body`` (a mapping or a list of them) as the spec's XML under ``root``."""
    element = ElementTree.Element(root)
    if isinstance(body, Mapping):
        for key, value in body.items():
            _fill(element, str(key), value)
    else:
        item_tag = ITEM_TAGS.get(root, "item")
        for item in body:
            _fill(element, item_tag, item)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(
        element, encoding="unicode"
    ).encode("utf-8")


def _json_ready(value: Any) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, datetime):
        return w3c(value)
    if isinstance(value, Mapping):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_json_ready(v) for v in value]
    return value


def answer(fmt: str, root: str, body: Any, status: int = 200) -> Response:
    """The response in ``fmt``: XML under ``root``, or the same content as JSON."""
    import json

    if fmt == "xml":
        content = to_xml(root, body)
    else:
        content = json.dumps(_json_ready(body), ensure_ascii=False).encode("utf-8")
    return Response(content, status_code=status, media_type=FORMATS[fmt])


def error_answer(fmt: str, error: Open311Error) -> Response:
    """The spec's error document: ``<errors><error><code/><description/></error></errors>``
    or ``[{"code": ..., "description": ...}]``, with the HTTP status as the code."""
    body = [{"code": error.status, "description": error.description}]
    response = answer(fmt if fmt in FORMATS else "xml", "errors", body, error.status)
    if error.retry_after:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def error_for_path(path: str, status: int, description: str) -> Response:
    """The spec's error for a request the framework refused before a route ran (an unknown
    path under /open311/, a wrong method), in the format the path's extension asks for."""
    fmt = "json" if path.endswith(".json") else "xml"
    return error_answer(fmt, Open311Error(status, description))
