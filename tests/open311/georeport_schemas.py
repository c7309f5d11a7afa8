"""JSON Schemas of the GeoReport v2 responses, written from the specification
(http://wiki.open311.org/GeoReport_v2) and the extensions minwon serves (paging, ``extensions``
with ``extended_attributes`` and ``notes``, FixMyStreet's ``servicerequestupdates``)."""

from typing import Any

W3C = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
DATETIME = {"type": "string", "pattern": W3C}
TEXT = {"type": "string"}
MAYBE_TEXT = {"type": ["string", "null"]}


def _array_of(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


DISCOVERY = {
    "type": "object",
    "required": ["changeset", "endpoints"],
    "properties": {
        "changeset": DATETIME,
        "contact": TEXT,
        "key_service": TEXT,
        "endpoints": _array_of(
            {
                "type": "object",
                "required": ["specification", "url", "type", "formats"],
                "properties": {
                    "specification": {"type": "string", "pattern": "^http"},
                    "url": {"type": "string", "pattern": "^https?://"},
                    "changeset": DATETIME,
                    "type": {"enum": ["production", "test"]},
                    "formats": _array_of({"enum": ["text/xml", "application/json"]}),
                },
            }
        ),
    },
}

SERVICE = {
    "type": "object",
    "required": ["service_code", "service_name", "metadata", "type"],
    "properties": {
        "service_code": {"type": "string", "minLength": 1},
        "service_name": {"type": "string", "minLength": 1},
        "description": TEXT,
        "metadata": {"type": "boolean"},
        "type": {"enum": ["realtime", "batch", "blackbox"]},
        "keywords": TEXT,
        "group": TEXT,
    },
    "additionalProperties": False,
}
SERVICES = _array_of(SERVICE)

VALUE = {
    "type": "object",
    "required": ["key", "name"],
    "properties": {"key": TEXT, "name": TEXT},
    "additionalProperties": False,
}
ATTRIBUTE = {
    "type": "object",
    "required": ["variable", "code", "datatype", "required", "order", "description"],
    "properties": {
        "variable": {"type": "boolean"},
        "code": {"type": "string", "minLength": 1},
        "datatype": {
            "enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
        },
        "required": {"type": "boolean"},
        "datatype_description": MAYBE_TEXT,
        "order": {"type": "integer", "minimum": 1},
        "description": TEXT,
        "values": _array_of(VALUE),
    },
    "additionalProperties": False,
    "if": {"properties": {"datatype": {"enum": ["singlevaluelist", "multivaluelist"]}}},
    "then": {"required": ["values"], "properties": {"values": {"minItems": 1}}},
}
SERVICE_DEFINITION = {
    "type": "object",
    "required": ["service_code", "attributes"],
    "properties": {"service_code": TEXT, "attributes": _array_of(ATTRIBUTE)},
    "additionalProperties": False,
}

POST_RESPONSE = _array_of(
    {
        "type": "object",
        "properties": {
            "service_request_id": TEXT,
            "token": TEXT,
            "service_notice": MAYBE_TEXT,
            "account_id": MAYBE_TEXT,
        },
        "anyOf": [{"required": ["service_request_id"]}, {"required": ["token"]}],
    }
)

NOTE = {
    "type": "object",
    "required": ["datetime", "summary", "type"],
    "properties": {
        "datetime": DATETIME,
        "summary": TEXT,
        "type": TEXT,
        "description": MAYBE_TEXT,
    },
}
SERVICE_REQUEST = {
    "type": "object",
    "required": ["service_request_id", "status", "service_code", "requested_datetime"],
    "properties": {
        "service_request_id": {"type": "string", "minLength": 1},
        "status": {"enum": ["open", "closed"]},
        "status_notes": MAYBE_TEXT,
        "service_name": TEXT,
        "service_code": TEXT,
        "description": MAYBE_TEXT,
        "agency_responsible": MAYBE_TEXT,
        "service_notice": MAYBE_TEXT,
        "requested_datetime": DATETIME,
        "updated_datetime": {"anyOf": [DATETIME, {"type": "null"}]},
        "expected_datetime": {"anyOf": [DATETIME, {"type": "null"}]},
        "address": MAYBE_TEXT,
        "address_id": MAYBE_TEXT,
        "zipcode": MAYBE_TEXT,
        "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
        "long": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
        "media_url": MAYBE_TEXT,
        "extended_attributes": {"type": "object"},
        "notes": _array_of(NOTE),
    },
    "additionalProperties": False,
}
SERVICE_REQUESTS = _array_of(SERVICE_REQUEST)

TOKENS = _array_of(
    {
        "type": "object",
        "required": ["token"],
        "properties": {"token": TEXT, "service_request_id": MAYBE_TEXT},
        "additionalProperties": False,
    }
)

UPDATES = _array_of(
    {
        "type": "object",
        "required": ["update_id", "service_request_id", "status", "updated_datetime"],
        "properties": {
            "update_id": {"type": "string", "minLength": 1},
            "service_request_id": TEXT,
            "status": {"enum": ["open", "closed", "in_progress"]},
            "updated_datetime": DATETIME,
            "description": MAYBE_TEXT,
            "media_url": MAYBE_TEXT,
        },
        "additionalProperties": False,
    }
)

ERRORS = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": TEXT},
        "additionalProperties": False,
    },
}
