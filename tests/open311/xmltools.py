"""XML read back as plain data, and JSON written the way XML writes it, to compare the two
formats of one answer."""

from typing import Any
from xml.etree import ElementTree

ITEM_TAGS = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "notes": "note",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "services": "service",
    "errors": "error",
}


def from_xml(element: ElementTree.Element) -> Any:
    """An element as plain data: a list when every child is the list's item element, a
    mapping otherwise, text for a leaf ("" when empty)."""
    children = list(element)
    if not children:
        return element.text or ""
    item = ITEM_TAGS.get(element.tag, "value")
    if all(child.tag == item for child in children):
        return [from_xml(child) for child in children]
    return {child.tag: from_xml(child) for child in children}


def as_xml_text(value: Any) -> Any:
    """JSON data the way XML writes it: booleans as true/false, numbers as text, nothing and
    empty containers as the empty string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or value == [] or value == {}:
        return ""
    if isinstance(value, dict):
        return {k: as_xml_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_xml_text(v) for v in value]
    return str(value)
