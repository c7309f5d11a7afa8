"""API parity: every page route that shows or changes data is covered by an operation of the
versioned REST API (/api/v1), and every /api/v1 operation is described in Korean and English.

The page routes are enumerated from the app (routes left out of the OpenAPI schema), so a new
page without an entry below fails with a message naming what to add: an API operation in
``MAPPING`` (add the operation to the domain's ``routes.py`` first), or, for a page with
nothing to cover, an entry in ``EXEMPT`` with the reason."""

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy import create_engine

from minwon.app import create_app

MAPPING: dict[str, list[str]] = {
    # home: what to do next, per role
    "GET /": ["GET /api/v1/reports/home"],
    # ledger and voices
    "GET /ledger": ["GET /api/v1/voices"],
    "GET /ledger/export.xlsx": ["GET /api/v1/voices/export.xlsx"],
    "GET /ledger/deadlines": ["GET /api/v1/voices"],  # overdue=true / due_soon=true
    "POST /voices/new": ["POST /api/v1/voices"],
    "GET /voices/{voice_id}": [
        "GET /api/v1/voices/{voice_id}",
        "GET /api/v1/voices/{voice_id}/history",
        "GET /api/v1/voices/{voice_id}/answers",
        "GET /api/v1/voices/{voice_id}/analysis",
        "GET /api/v1/voices/{voice_id}/similar",
        "GET /api/v1/voices/{voice_id}/survey",
    ],
    "GET /voices/{voice_id}/attachments/{attachment_id}": [
        "GET /api/v1/voices/{voice_id}/attachments/{attachment_id}"
    ],
    "POST /voices/{voice_id}/{action}": [
        "POST /api/v1/voices/{voice_id}/assign",
        "POST /api/v1/voices/{voice_id}/start",
        "POST /api/v1/voices/{voice_id}/answer",
        "POST /api/v1/voices/{voice_id}/answer/approve",
        "POST /api/v1/voices/{voice_id}/answer/return",
        "POST /api/v1/voices/{voice_id}/close",
        "POST /api/v1/voices/{voice_id}/reopen",
        "POST /api/v1/voices/{voice_id}/transfer",
        "POST /api/v1/voices/{voice_id}/extend",
    ],
    "POST /submit": ["POST /api/v1/voices"],
    "POST /track": ["POST /api/v1/track"],
    # imports
    "GET /imports": ["GET /api/v1/imports"],
    "POST /imports": ["POST /api/v1/imports"],
    "GET /imports/{import_id}": ["GET /api/v1/imports/{import_id}"],
    "GET /imports/{import_id}/progress": ["GET /api/v1/imports/{import_id}"],
    # organisation
    "GET /admin": [
        "GET /api/v1/offices",
        "GET /api/v1/units",
        "GET /api/v1/staff",
        "GET /api/v1/categories",
        "GET /api/v1/routing-rules",
    ],
    "POST /admin/units": ["POST /api/v1/units"],
    "POST /admin/units/change": ["PATCH /api/v1/units/{code}"],
    "POST /admin/staff": ["POST /api/v1/staff"],
    "POST /admin/categories": ["POST /api/v1/categories"],
    "POST /admin/routing": ["POST /api/v1/routing-rules"],
    "POST /admin/sessions/end-all": ["POST /api/v1/sessions/end-all"],
    "POST /admin/upload": ["POST /api/v1/org/load"],
    "GET /admin/security": ["GET /api/v1/security"],
    "POST /admin/security/totp-roles": ["PUT /api/v1/security/totp-roles"],
    "POST /admin/security/unlock/{staff_id}": ["POST /api/v1/staff/{login}/unlock"],
    "POST /admin/security/totp-reset/{staff_id}": ["POST /api/v1/staff/{login}/totp-reset"],
    "POST /admin/security/throttle-reset": ["POST /api/v1/security/throttle-reset"],
    # analysis
    "GET /analysis": [
        "GET /api/v1/analysis/causes",
        "GET /api/v1/analysis/hotspots",
        "GET /api/v1/analysis/surges",
    ],
    "GET /analysis/surges": ["GET /api/v1/analysis/surges"],
    "POST /analysis/surges/check": ["POST /api/v1/analysis/surges/check"],
    "GET /analysis/dropaway": ["GET /api/v1/analysis/dropaway"],
    "GET /analysis/clusters": ["GET /api/v1/analysis/clusters"],
    "GET /analysis/triage": ["GET /api/v1/analysis/triage"],
    "POST /analysis/similar-preview": ["POST /api/v1/analysis/similar"],
    # surveys
    "GET /kiosk": ["POST /api/v1/surveys/kiosk"],
    "GET /surveys/happycall/{voice_id}": [
        "GET /api/v1/voices/{voice_id}/survey",
        "GET /api/v1/surveys/templates",
    ],
    "POST /surveys/happycall/{voice_id}": ["POST /api/v1/voices/{voice_id}/happycall"],
    "POST /surveys/invite/{voice_id}": ["POST /api/v1/voices/{voice_id}/survey"],
    "GET /surveys": [
        "GET /api/v1/surveys/templates",
        "GET /api/v1/surveys/scores",
        "GET /api/v1/surveys/rankings",
    ],
    "POST /surveys/templates": ["POST /api/v1/surveys/templates"],
    # reports
    "GET /dashboard": ["GET /api/v1/reports/dashboard"],
    "GET /dashboard/charts/{name}.svg": ["GET /api/v1/reports/dashboard"],  # the same series
    "GET /reports/monthly": ["GET /api/v1/reports/monthly"],
    "GET /fans": ["GET /api/v1/reports/fans"],
    # actions
    "GET /actions": ["GET /api/v1/actions"],
    "POST /actions": ["POST /api/v1/actions"],
    "GET /actions/voice-search": ["GET /api/v1/voices"],  # q=
    "GET /actions/{action_id}": [
        "GET /api/v1/actions/{action_id}",
        "GET /api/v1/actions/{action_id}/effect",
    ],
    "POST /actions/{action_id}/status": ["POST /api/v1/actions/{action_id}/status"],
    "POST /actions/{action_id}/edit": ["PATCH /api/v1/actions/{action_id}"],
    "POST /actions/{action_id}/evidence": ["POST /api/v1/actions/{action_id}/evidence"],
    "GET /actions/evidence/{evidence_id}": ["GET /api/v1/actions/evidence/{evidence_id}"],
    "GET /board/{office}": ["GET /api/v1/board/{office}"],
    # Open311 administration
    "GET /admin/open311": ["GET /api/v1/open311/keys", "GET /api/v1/open311/services"],
    "POST /admin/open311/keys": ["POST /api/v1/open311/keys"],
    "POST /admin/open311/keys/{key_id}/revoke": ["DELETE /api/v1/open311/keys/{key_id}"],
    "POST /admin/open311/services": ["POST /api/v1/open311/services"],
    "GET /admin/open311/services/{service_id}": ["GET /api/v1/open311/services/{service_id}"],
    "POST /admin/open311/services/{service_id}": ["PATCH /api/v1/open311/services/{service_id}"],
    "POST /admin/open311/services/{service_id}/attributes": [
        "PUT /api/v1/open311/services/{service_id}/attributes"
    ],
    "POST /admin/open311/services/{service_id}/attributes/{attribute_id}/delete": [
        "DELETE /api/v1/open311/services/{service_id}/attributes/{attribute_id}"
    ],
    # quality
    "GET /quality": ["GET /api/v1/quality/scores", "GET /api/v1/quality/checks"],
    "GET /quality/checks/new": ["GET /api/v1/quality/templates"],
    "POST /quality/checks": ["POST /api/v1/quality/checks"],
    "GET /quality/checks/{check_id}": ["GET /api/v1/quality/checks/{check_id}"],
    "GET /quality/units/{unit_id}": [
        "GET /api/v1/quality/scores",
        "GET /api/v1/quality/checks",
        "GET /api/v1/quality/units/{unit_id}/promises",
        "GET /api/v1/quality/practice",
    ],
    "GET /quality/visits": ["GET /api/v1/quality/visits"],
    "POST /quality/visits": ["POST /api/v1/quality/visits"],
    "GET /quality/visits/{visit_id}": ["GET /api/v1/quality/visits/{visit_id}"],
    "POST /quality/visits/{visit_id}": ["POST /api/v1/quality/visits/{visit_id}/result"],
    "POST /quality/visits/{visit_id}/cancel": ["POST /api/v1/quality/visits/{visit_id}/cancel"],
    "GET /quality/checklists": ["GET /api/v1/quality/templates"],
    "POST /quality/checklists/{template_id}/items": [
        "POST /api/v1/quality/templates/{template_id}/items"
    ],
    "POST /quality/items/{item_id}": ["PATCH /api/v1/quality/items/{item_id}"],
    "GET /quality/promises": ["GET /api/v1/quality/promises"],
    "POST /quality/promises": ["POST /api/v1/quality/promises"],
    # staff protection
    "GET /protection": ["GET /api/v1/protection/settings", "GET /api/v1/protection/ladder"],
    "POST /protection/settings": ["PUT /api/v1/protection/settings"],
    "GET /protection/incidents": ["GET /api/v1/protection/incidents"],
    "POST /protection/incidents": ["POST /api/v1/protection/incidents"],
    "GET /protection/incidents/{incident_id}": ["GET /api/v1/protection/incidents/{incident_id}"],
    "POST /protection/incidents/{incident_id}": [
        "PATCH /api/v1/protection/incidents/{incident_id}"
    ],
    "GET /protection/suspensions": ["GET /api/v1/protection/suspensions"],
    "POST /protection/suspensions": ["POST /api/v1/protection/suspensions"],
    "GET /protection/suspensions/{suspension_id}": [
        "GET /api/v1/protection/suspensions/{suspension_id}"
    ],
    "POST /protection/suspensions/{suspension_id}/{step}": [
        "POST /api/v1/protection/suspensions/{suspension_id}/lift",
        "POST /api/v1/protection/suspensions/{suspension_id}/appeal",
    ],
    "POST /protection/voices/{voice_id}/close": ["POST /api/v1/voices/{voice_id}/close-for-cause"],
    # role-play
    "GET /roleplay": ["GET /api/v1/roleplay/scenarios", "GET /api/v1/roleplay/sessions"],
    "GET /roleplay/scenarios/{scenario_id}": ["GET /api/v1/roleplay/scenarios/{scenario_id}"],
    "GET /roleplay/scenarios/{scenario_id}/edit": ["GET /api/v1/roleplay/scenarios/{scenario_id}"],
    "POST /roleplay/scenarios/{scenario_id}/edit": ["PUT /api/v1/roleplay/scenarios/{scenario_id}"],
    "POST /roleplay/scenarios/{scenario_id}/reset": [
        "POST /api/v1/roleplay/scenarios/{scenario_id}/reset"
    ],
    "POST /roleplay/sessions": ["POST /api/v1/roleplay/sessions"],
    "GET /roleplay/sessions/{session_id}": ["GET /api/v1/roleplay/sessions/{session_id}"],
    "POST /roleplay/sessions/{session_id}/self": [
        "PUT /api/v1/roleplay/sessions/{session_id}/self"
    ],
    "GET /roleplay/people/{staff_id}": ["GET /api/v1/roleplay/people/{staff_id}"],
    "GET /outreach": ["GET /api/v1/outreach/contacts"],
    "POST /outreach": ["POST /api/v1/outreach/contacts"],
    "GET /outreach/team": ["GET /api/v1/outreach/team"],
    "POST /outreach/team/target": ["PUT /api/v1/outreach/targets"],
    "POST /outreach/team/roster": ["PUT /api/v1/outreach/roster"],
    "GET /outreach/campaigns": ["GET /api/v1/outreach/campaigns"],
    "POST /outreach/campaigns": ["POST /api/v1/outreach/campaigns"],
    "POST /outreach/campaigns/{campaign_id}/reach": [
        "POST /api/v1/outreach/campaigns/{campaign_id}/reach"
    ],
    "GET /outreach/cards": ["GET /api/v1/outreach/cards"],
    "GET /patrols": ["GET /api/v1/patrols"],
    "POST /patrols/staff-request": ["POST /api/v1/patrols/requests"],
    "POST /patrols/plan": ["POST /api/v1/patrols/plans"],
    "POST /patrols/log": ["POST /api/v1/patrols/logs"],
    "POST /patrols/incidents": ["POST /api/v1/patrols/incidents"],
    "GET /admin/tokens": ["GET /api/v1/tokens"],
    "POST /admin/tokens": ["POST /api/v1/tokens"],
    "POST /admin/tokens/{token_id}/revoke": ["DELETE /api/v1/tokens/{token_id}"],
}
"""Page route → the API operations that give the same capability (what the page shows or
changes), each as ``"METHOD /path"`` exactly as in ``/openapi.json``."""

EXEMPT: dict[str, str] = {
    "POST /logout": "ends the browser session; API callers use bearer tokens, not sessions",
    "GET /login": "sign-in form; API callers use bearer tokens",
    "POST /login": "browser sign-in; API callers use bearer tokens",
    "GET /login/code": "two-factor sign-in form (browser session only)",
    "POST /login/code": "two-factor sign-in (browser session only)",
    "GET /login/setup": "two-factor set-up during browser sign-in",
    "POST /login/setup": "two-factor set-up during browser sign-in",
    "GET /account/security": (
        "one's own password and second factor: a bearer token must not replace the "
        "credentials it stands in for"
    ),
    "POST /account/password": "own password change (credentials are not changed by token)",
    "GET /account/totp": "own second-factor set-up (credentials are not changed by token)",
    "POST /account/totp": "own second-factor set-up (credentials are not changed by token)",
    "POST /account/totp/recovery": "own recovery codes (credentials are not changed by token)",
    "POST /account/totp/off": "own second factor off (credentials are not changed by token)",
    "GET /voices/new": "only shows the empty intake form",
    "GET /submit": "public citizen form (its API is POST /api/v1/voices)",
    "GET /submit/done": "public thank-you page after submitting; shows the receipt just given",
    "GET /track": "public tracking form (its API is POST /api/v1/track)",
    "GET /s": "public survey code form: the citizen's answer is the intake itself",
    "POST /s": "public survey code form: the citizen's answer is the intake itself",
    "GET /s/c/{code}": "public survey by code: the citizen's answer is the intake itself",
    "POST /s/c/{code}": "public survey by code: the citizen's answer is the intake itself",
    "GET /s/{token}": "public survey by link: the citizen's answer is the intake itself",
    "POST /s/{token}": "public survey by link: the citizen's answer is the intake itself",
    "POST /kiosk/{token}": "a visitor answering on the counter tablet: the intake itself",
    "GET /protection/incidents/new": "only shows the empty incident form",
    "GET /protection/voices/{voice_id}/close": "only shows the close-for-cause form",
    "GET /roleplay/sessions/new": "only shows the empty session form",
    "GET /patrols/request": "public citizen patrol request form: the intake itself",
    "POST /patrols/request": "public citizen patrol request: the intake itself",
}
"""Page routes with no API operation, and why."""

_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
_HANGUL = re.compile("[\uac00-\ud7a3]")
_LATIN = re.compile("[A-Za-z]{3,}")


@pytest.fixture(scope="module")
def app() -> Any:
    """The application (its routes and schema only: no database is touched)."""
    return create_app(engine=create_engine("sqlite://"))


def _page_routes(app: Any) -> set[str]:
    """``"METHOD /path"`` of every route left out of the OpenAPI schema (pages), HEAD aside."""
    found = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and not route.include_in_schema:
            path = _PARAM.sub(r"{\1}", context.path_format or route.path_format)
            methods = (context.methods or route.methods) - {"HEAD"}
            found |= {f"{m} {path}" for m in methods}
    return found


def _api_operations(app: Any) -> dict[str, dict[str, Any]]:
    """``"METHOD /path"`` → operation, for every operation in ``/openapi.json``."""
    return {
        f"{method.upper()} {path}": op
        for path, ops in app.openapi()["paths"].items()
        for method, op in ops.items()
    }


def test_every_page_is_covered_by_the_api_or_exempt(app: Any) -> None:
    pages = _page_routes(app)
    assert len(pages) >= 100
    missing = sorted(pages - set(MAPPING) - set(EXEMPT))
    assert not missing, (
        "These pages have no API operation. Add one to the domain's routes.py (same service, "
        "same role and office checks, same messages) and list it in MAPPING in "
        "tests/web/test_api_parity.py as 'PAGE': ['METHOD /api/v1/...'], or, if the page "
        "shows and changes no data, add it to EXEMPT with the reason:\n  " + "\n  ".join(missing)
    )


def test_no_stale_entries(app: Any) -> None:
    pages = _page_routes(app)
    stale = sorted((set(MAPPING) | set(EXEMPT)) - pages)
    assert not stale, "No such page any more; remove from MAPPING/EXEMPT:\n  " + "\n  ".join(stale)
    assert not set(MAPPING) & set(EXEMPT), set(MAPPING) & set(EXEMPT)


def test_every_mapped_operation_exists(app: Any) -> None:
    operations = _api_operations(app)
    absent = sorted(
        f"{page} -> {op}" for page, ops in MAPPING.items() for op in ops if op not in operations
    )
    assert not absent, "Not in /openapi.json:\n  " + "\n  ".join(absent)
    assert all(ops for ops in MAPPING.values())


def test_every_api_operation_is_described_in_korean_and_english(app: Any) -> None:
    bare = []
    for name, op in _api_operations(app).items():
        if not name.split(" ", 1)[1].startswith("/api/v1/"):
            continue
        text = f"{op.get('summary', '')} {op.get('description', '')}"
        if not (_HANGUL.search(text) and _LATIN.search(text)):
            bare.append(name)
    assert not bare, "Describe in Korean and English (summary=/docstring):\n  " + "\n  ".join(
        sorted(bare)
    )
