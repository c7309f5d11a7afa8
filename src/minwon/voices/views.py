"""What the ledger pages need beyond the services: look-ups for form choices, who may do
which workflow step, and turning form fields and query strings into service inputs."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.errors import Invalid
from minwon.org import service as org_service
from minwon.org.models import Category, Office, Unit
from minwon.org.roles import ADMIN, CS_MANAGER, LEADS, OFFICER, UNIT_LEAD, WRITERS, Principal
from minwon.voices import service, workflow
from minwon.voices.catalog import (
    ANSWERED,
    ASSIGNED,
    CLOSED,
    IN_PROGRESS,
    KINDS,
    OPEN_STATUSES,
    RECEIVED,
    kinds_for,
)
from minwon.voices.models import Answer, Voice
from minwon.voices.queries import LedgerFilter
from minwon.voices.schemas import VoiceCreate
from minwon.web.pydantic_text import field_message

# The kinds a citizen chooses from on the public form (labels: i18n keys ``ckind_<code>``).
CITIZEN_KINDS = ("complaint", "request", "inquiry_procedure", "suggestion", "grievance", "praise")
CITIZEN_CHANNELS = service.CITIZEN_CHANNELS
FILTER_FIELDS = ("status", "kind", "channel", "category", "unit", "q", "sort")
TRUE_WORDS = {"1", "true", "on", "yes"}


def public_offices(db: Session) -> list[Office]:
    """Every office a citizen may address, by name (the public form's select)."""
    return list(db.scalars(select(Office).order_by(Office.name)))


def unit_by_code(db: Session, code: str) -> Unit | None:
    """The unit with ``code``, or None (a QR card's preset that no longer exists)."""
    return db.scalar(select(Unit).where(Unit.code == code)) if code else None


def units_for(db: Session, principal: Principal) -> list[Unit]:
    """The units the caller works with: their office's, or every unit for all-office roles."""
    office_id = None if principal.all_offices else principal.office_id
    return org_service.list_units(db_session=db, office_id=office_id)


def categories_for(db: Session, principal: Principal) -> list[Category]:
    """The categories of the caller's organisation (all organisations for all-office roles)."""
    if principal.office_id is None:
        return list(db.scalars(select(Category).order_by(Category.code)))
    org = org_service.organization_of_office(db_session=db, office_id=principal.office_id)
    return org_service.list_categories(db_session=db, organization_id=org.id)


def kinds_for_principal(db: Session, principal: Principal) -> dict[str, str]:
    """The kinds the caller's organisation uses (the legal ones without an office)."""
    if principal.office_id is None:
        return dict(KINDS)
    org = org_service.organization_of_office(db_session=db, office_id=principal.office_id)
    return kinds_for(org.settings)


def transfer_targets(db: Session, voice: Voice, principal: Principal) -> list[Unit]:
    """Units a voice may be transferred to: its office's (the organisation's for admins)."""
    if principal.role == ADMIN:
        org = org_service.organization_of_office(db_session=db, office_id=voice.office_id)
        office_ids = select(Office.id).where(Office.organization_id == org.id)
        query = select(Unit).where(Unit.office_id.in_(office_ids)).order_by(Unit.code)
        units = list(db.scalars(query))
    else:
        units = org_service.list_units(db_session=db, office_id=voice.office_id)
    return [u for u in units if u.id != voice.unit_id and u.takes_voices]


def own_unit_code(principal: Principal, units: list[Unit]) -> str:
    """The code of an officer's or unit lead's own unit (their ledger's default filter)."""
    if principal.role not in (OFFICER, UNIT_LEAD) or principal.unit_id is None:
        return ""
    return next((u.code for u in units if u.id == principal.unit_id), "")


def _is_lead_for(principal: Principal, voice: Voice) -> bool:
    if principal.role in (ADMIN, CS_MANAGER):
        return True
    return principal.role == UNIT_LEAD and principal.unit_id == voice.unit_id


def _is_worker_for(principal: Principal, voice: Voice) -> bool:
    if principal.role in LEADS and principal.role != UNIT_LEAD:
        return True
    if principal.role not in WRITERS:
        return False
    return principal.unit_id == voice.unit_id or principal.staff_id == voice.assignee_id


def allowed_actions(
    principal: Principal, voice: Voice, draft: Answer | None, now: datetime | None = None
) -> set[str]:
    """The workflow steps whose forms the voice page shows (mirrors ``workflow``'s checks).

    ``extend_past_due`` is no step but a note: the lead could have extended the deadline had
    it not passed, so the page says why there is no extension form instead of hiding it."""
    status = voice.status
    lead, worker = _is_lead_for(principal, voice), _is_worker_for(principal, voice)
    has_draft = draft is not None and draft.status == "draft"
    extendable = (
        lead
        and status in OPEN_STATUSES
        and not voice.extended
        and voice.due_at is not None
        and voice.period_days is not None
    )
    late = workflow.too_late_to_extend(voice, now)
    rules = {
        "assign": lead and status in OPEN_STATUSES,
        "start": worker and status in (RECEIVED, ASSIGNED),
        "answer": worker and status in OPEN_STATUSES,
        "approve": lead and status == IN_PROGRESS and has_draft,
        "return": lead and has_draft,
        "close": lead and status == ANSWERED,
        "reopen": lead and status in (ANSWERED, CLOSED),
        "transfer": lead and status in OPEN_STATUSES,
        "close_for_cause": lead and status in OPEN_STATUSES,
        "extend": extendable and not late,
        "extend_past_due": extendable and late,
    }
    return {name for name, ok in rules.items() if ok}


def _day(params: Mapping[str, str], name: str) -> date | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise Invalid(f"날짜 형식이 올바르지 않습니다: {raw}", field=name) from exc


@dataclass
class LedgerQuery:
    """A ledger listing as asked for in a query string: the filter, the cursor, and the
    parameters to repeat in links (next page, first page, Excel export)."""

    flt: LedgerFilter
    cursor: str | None
    params: dict[str, str]


def ledger_query(params: Mapping[str, str], default_unit: str = "") -> LedgerQuery:
    """Read a ledger query string; blank fields are no filter, a missing ``unit`` is the
    caller's own unit (an explicit empty ``unit=`` shows every unit)."""
    values = {name: params.get(name, "").strip() for name in FILTER_FIELDS}
    if "unit" not in params:
        values["unit"] = default_unit
    given = {name: values[name] or None for name in FILTER_FIELDS}
    flt = LedgerFilter(
        status=given["status"],
        kind=given["kind"],
        channel=given["channel"],
        category=given["category"],
        unit=given["unit"],
        q=given["q"],
        sort=values["sort"] or "-received",
        date_from=_day(params, "date_from"),
        date_to=_day(params, "date_to"),
        overdue=params.get("overdue", "").lower() in TRUE_WORDS,
        due_soon=params.get("due_soon", "").lower() in TRUE_WORDS,
    )
    kept = {k: v for k, v in values.items() if v or k == "unit"}
    kept.update({k: params[k].strip() for k in ("date_from", "date_to") if params.get(k)})
    kept.update({k: "1" for k in ("overdue", "due_soon") if getattr(flt, k)})
    return LedgerQuery(flt=flt, cursor=params.get("cursor") or None, params=kept)


def voice_create_from_form(form: Mapping[str, str], *, staff: bool) -> VoiceCreate:
    """A ``VoiceCreate`` from the intake form (staff) or the public form (citizen).

    Blank optional fields become None; contact data is kept only when something was given.
    Raises pydantic's ValidationError for bad input.
    """
    text = {k: form.get(k, "").strip() for k in ("kind", "channel", "title", "body")}
    data: dict = {**text, "dong": form.get("dong", "").strip()}
    data["address"] = form.get("address", "").strip()
    for name in ("category", "unit", "office", "officer", "campaign"):
        data[name] = form.get(name, "").strip() or None
    if staff:
        data["received_at"] = form.get("received_at", "").strip() or None
    contact = {k: form.get(f"contact_{k}", "").strip() for k in ("name", "phone", "email")}
    if any(contact.values()):
        data["contact"] = {**contact, "consent": form.get("contact_consent") in TRUE_WORDS}
    return VoiceCreate.model_validate(data)


def field_errors(exc: ValidationError, lang: str) -> dict[str, str]:
    """One readable message per form field (``contact.email`` → ``contact_email``)."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = [str(p) for p in error.get("loc", ())] or ["form"]
        name = f"contact_{loc[1]}" if loc[0] == "contact" and len(loc) > 1 else loc[0]
        errors.setdefault(name, field_message(error, lang))
    return errors
