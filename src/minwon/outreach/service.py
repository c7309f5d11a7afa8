"""Outreach on the street: an officer logs a resident met in seconds (a request becomes a voice
in the unit's ledger, channel ``outreach`` or ``card``), sees today's progress against the
daily target, and the unit lead sees the table by officer and day. Campaigns are in
``campaigns``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.errors import Forbidden, Invalid, NotFound
from minwon.org import service as org_service
from minwon.org.models import Unit
from minwon.org.roles import LEADS, WRITERS, Principal
from minwon.org.rules import office_rules
from minwon.outreach import targets
from minwon.outreach.models import Campaign, Contact, RosterDay, UnitTarget
from minwon.timeutil import KST, to_kst, utcnow, within_calendar

if TYPE_CHECKING:
    from minwon.surveys.invitations import Issued

HOUSING = {
    "apartment": "아파트 단지",
    "multi": "다세대·빌라",
    "detached": "단독주택",
    "shop": "상가",
    "street": "거리",
}


class Said(Invalid):
    """An input error whose text is an interface key (``minwon/web/i18n``): the API answers in
    Korean, a page in the reader's language (``key``); ``status`` 422 unless given."""

    def __init__(self, key: str, *, field: str | None = None, status: int = 422) -> None:
        from minwon.web.i18n import translate

        super().__init__(translate("ko", key), field=field)
        self.key = key
        self.status = status


@dataclass(frozen=True)
class ContactIn:
    """A resident met, as the officer types it on the phone."""

    housing: str
    dong: str = ""
    address: str = ""
    lat: float | None = None
    lon: float | None = None
    topic: str = ""
    card_given: bool = False
    campaign: str | None = None
    request: str = ""
    request_channel: str = "outreach"
    citizen_name: str = ""
    citizen_phone: str = ""
    consent: bool = False
    at: datetime | None = None


@dataclass(frozen=True)
class _Officer:
    """A staff member of a unit, who may log outreach: their ids, known to be set."""

    staff_id: int
    office_id: int
    unit_id: int


def require_officer(principal: Principal) -> _Officer:
    """The caller as an officer who may log outreach (a writer of a unit), else ``Forbidden``."""
    office_id, unit_id, staff_id = principal.office_id, principal.unit_id, principal.staff_id
    if principal.role not in WRITERS or unit_id is None or office_id is None or staff_id is None:
        raise Forbidden("현장 면담은 부서에 소속된 직원이 기록합니다.")
    return _Officer(staff_id, office_id, unit_id)


def _campaign_by_code(db: Session, office_id: int, code: str | None) -> Campaign | None:
    if not code:
        return None
    found = db.scalar(
        select(Campaign).where(Campaign.office_id == office_id, Campaign.code == code)
    )
    if found is None:
        raise Invalid(f"캠페인을 찾을 수 없습니다: {code}", field="campaign")
    return found


def log_contact(db: Session, *, principal: Principal, data: ContactIn) -> Contact:
    """Record a resident met; a request becomes a voice of the officer's unit, credited to the
    officer and the campaign."""
    from minwon.analysis.intake import AnalysisAdvisor
    from minwon.voices import service as voice_service
    from minwon.voices.schemas import ContactIn as VoiceContactIn
    from minwon.voices.schemas import VoiceCreate

    me = require_officer(principal)
    if data.housing not in HOUSING:
        raise Invalid("주거 형태를 고르세요.", field="housing")
    if data.request_channel not in ("outreach", "card"):
        raise Invalid("요청 경로가 올바르지 않습니다.", field="request_channel")
    now = utcnow()
    at = data.at or now
    if at > now + timedelta(minutes=5) or at < now - timedelta(days=60):
        raise Invalid("면담 시각은 최근 60일 안이어야 합니다.", field="at")
    campaign = _campaign_by_code(db, me.office_id, data.campaign)
    unit = org_service.get_unit(db_session=db, unit_id=me.unit_id)
    contact = Contact(
        office_id=principal.office_id,
        unit_id=principal.unit_id,
        officer_id=principal.staff_id,
        at=at,
        dong=data.dong.strip()[:100],
        address=data.address.strip()[:300],
        lat=data.lat,
        lon=data.lon,
        housing=data.housing,
        topic=data.topic.strip()[:100],
        card_given=data.card_given,
        campaign_id=campaign.id if campaign else None,
    )
    request = data.request.strip()
    if request:
        try:
            person = None
            if data.citizen_name.strip() or data.citizen_phone.strip():
                person = VoiceContactIn(
                    name=data.citizen_name, phone=data.citizen_phone, consent=data.consent
                )
            voice_in = VoiceCreate(
                kind="request",
                channel=data.request_channel,
                title=_title(request),
                body=request,
                unit=unit.code,
                dong=contact.dong,
                address=contact.address,
                lat=data.lat,
                lon=data.lon,
                received_at=at,
                contact=person,
                officer=principal.login,
                campaign=campaign.code if campaign else None,
            )
        except ValueError as exc:  # pydantic: the phone number, the request's length …
            if "phone" in str(exc):
                raise Said("err_phone", field="citizen_phone") from exc
            raise Invalid(_first_error(exc), field="request") from exc
        voice, _ = voice_service.create(
            db_session=db, voice_in=voice_in, principal=principal, advisor=AnalysisAdvisor()
        )
        contact.voice_id = voice.id
    db.add(contact)
    db.flush()
    return contact


def _first_error(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        found = errors()
        if found:
            return str(found[0].get("msg", exc))
    return str(exc)


def log_contact_with_handout(
    db: Session, *, principal: Principal, data: ContactIn
) -> tuple[Contact, Issued | None]:
    """Record a resident met (``log_contact``) and issue the after-meeting survey the officer
    shows the resident, when the organisation has one: what the phone page and the API do."""
    from minwon.surveys.service import outreach_invitation

    contact = log_contact(db, principal=principal, data=data)
    issued = outreach_invitation(
        db, principal=principal, now=utcnow(), campaign=data.campaign or ""
    )
    return contact, issued


def list_contacts(
    db: Session,
    *,
    principal: Principal,
    start: date,
    end: date,
    officer: str | None = None,
    unit_id: int | None = None,
    limit: int = 200,
) -> list[Contact]:
    """Residents met in a period, newest first: an officer sees their own (as on the phone
    page), a lead or CS manager the office's (as on the team page), an admin every office's;
    filtered by officer login and unit."""
    query = select(Contact).where(*_period_where(start, end))
    if principal.role in LEADS:
        if not principal.all_offices:
            query = query.where(Contact.office_id == principal.office_id)
        if officer:
            staff = org_service.staff_by_login(db_session=db, login=officer)
            if not principal.all_offices and staff.office_id != principal.office_id:
                raise NotFound(f"직원을 찾을 수 없습니다: {officer}", field="officer")
            query = query.where(Contact.officer_id == staff.id)
    else:
        me = require_officer(principal)
        if officer and officer != principal.login:
            raise Forbidden("다른 직원의 면담 기록은 팀장·CS 담당이 봅니다.")
        query = query.where(Contact.officer_id == me.staff_id)
    if unit_id is not None:
        query = query.where(Contact.unit_id == unit_id)
    return list(db.scalars(query.order_by(Contact.at.desc(), Contact.id.desc()).limit(limit)))


def _period_where(start: date, end: date) -> tuple:
    since, until = _day_bounds(start, end)
    return Contact.at >= since, Contact.at < until


MAX_PERIOD_DAYS = 366
"""The longest period a table or a list of contacts covers, in days."""


def parse_period(
    start: str | None, end: str | None, today: date | None = None
) -> tuple[date, date]:
    """A period from ``YYYY-MM-DD`` texts: up to today and the 13 days before by default."""
    today = today or to_kst(utcnow()).date()
    try:
        last = date.fromisoformat(end) if end else today
        given_first = date.fromisoformat(start) if start else None
    except ValueError as exc:
        raise Invalid("날짜는 YYYY-MM-DD 형식이어야 합니다.", field="start") from exc
    within_calendar(last, "end")
    first = within_calendar(given_first, "start") or last - timedelta(days=13)
    if last < first:
        raise Invalid("끝나는 날이 시작일보다 앞섭니다.", field="end")
    if (last - first).days > MAX_PERIOD_DAYS:
        raise Invalid(f"기간은 {MAX_PERIOD_DAYS}일 이내로 정합니다.", field="start")
    return first, last


def team_units(db: Session, *, principal: Principal) -> list[Unit]:
    """The units whose table the caller may choose: their office's (every office's for
    admins and HQ)."""
    return [
        u
        for u in org_service.list_units(db_session=db, office_id=principal.office_id)
        if principal.all_offices or u.office_id == principal.office_id
    ]


def team_unit(
    db: Session, *, principal: Principal, code: str | None, strict: bool = False
) -> tuple[Unit, list[Unit]]:
    """The unit of the lead's table: the one named by ``code``, else the caller's own, else
    the office's first; leads and CS managers only. ``strict`` (the API): a code not among
    the caller's units is not found rather than replaced by the default."""
    units = team_units(db, principal=principal)
    named = next((u for u in units if u.code == code), None)
    if principal.role not in LEADS:
        raise Said("or_team_only", status=403)
    if strict and code and named is None:
        raise NotFound(f"부서를 찾을 수 없습니다: {code}", field="unit")
    unit = named or next(
        (u for u in units if u.id == principal.unit_id), units[0] if units else None
    )
    if unit is None:
        raise Said("or_team_only", status=403)
    return unit, units


def roster_days(
    start: str, end: str, weekdays: set[int], off: list[str]
) -> tuple[date, date, list[date]]:
    """The working days of a roster span: the ``weekdays`` (0 = Monday) between ``start`` and
    ``end`` (``YYYY-MM-DD``, the end not before the start and at most 92 days after it) less
    the days ``off``."""
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
        days_off = {date.fromisoformat(d.strip()) for d in off if d.strip()}
    except ValueError as exc:
        raise Said("or_roster_bad", field="start") from exc
    if last < first:  # as the team page's period says it
        raise Invalid("끝나는 날이 시작일보다 앞섭니다.", field="end")
    if (last - first).days > 92:
        raise Said("or_roster_span", field="end")
    span = (first + timedelta(days=i) for i in range((last - first).days + 1))
    return first, last, [d for d in span if d.weekday() in weekdays and d not in days_off]


def keep_roster(
    db: Session,
    *,
    principal: Principal,
    officer: str,
    start: str,
    end: str,
    weekdays: set[int],
    off: list[str],
) -> tuple[date, date, list[date]]:
    """A lead sets an officer's working days for a span (the page's and the API's roster)."""
    first, last, days = roster_days(start, end, weekdays, off)
    staff = org_service.staff_by_login(db_session=db, login=officer)
    set_roster(db, principal=principal, officer_id=staff.id, days=days)
    return first, last, days


def active_campaigns(db: Session, office_id: int | None) -> list[Campaign]:
    """An office's running campaigns, newest first (none without an office)."""
    if office_id is None:
        return []
    query = select(Campaign).where(Campaign.office_id == office_id, Campaign.active.is_(True))
    return list(db.scalars(query.order_by(Campaign.id.desc())))


def card_count(value: object) -> int:
    """How many cards to print: 1 to 500, 10 when unreadable."""
    try:
        return max(1, min(int(str(value or 10)), 500))
    except ValueError:
        return 10


CARD_PHONE = "182"
"""The number a card gives when none is typed: the police's civil complaint line."""


def card_phone(text: str) -> str:
    """The phone number a card prints: the typed one as a Korean number in its written form
    (``voices.phones``, as every phone field checks it), ``CARD_PHONE`` when blank; a text
    that is no number ("abc", "12") is refused, field ``phone``."""
    from minwon.voices import phones

    try:
        return phones.normalise(text) or CARD_PHONE
    except phones.NotAPhoneNumber:
        raise Said("err_phone", field="phone") from None


def card_sheet(
    db: Session,
    *,
    principal: Principal,
    unit: str,
    count: object = 10,
    campaign: str | None = None,
    phone: str = "",
    mine: bool = False,
    size: str = "a6",
) -> tuple[bytes, str]:
    """Printable request cards as a PDF, tagged with a unit of the caller's offices, the
    caller (``mine``) and one of the office's campaigns; with the unit code for a file name.
    A phone that is no Korean number is refused (``card_phone``)."""
    from minwon.config import get_settings
    from minwon.org.staff_refs import staff_ref
    from minwon.outreach.cards import Card, CardSize, render_cards

    printed_phone = card_phone(phone)
    found = org_service.find_unit_for(db_session=db, principal=principal, ref=unit or "")
    office = org_service.get_office(db_session=db, office_id=found.office_id)
    chosen = next(
        (c for c in active_campaigns(db, principal.office_id) if c.code == campaign), None
    )
    card = Card(
        unit_code=found.code,
        unit_name=found.name,
        office_name=office.name,
        phone=printed_phone,
        officer_name=principal.name if mine else None,
        officer_ref=staff_ref(principal.staff_id) if mine and principal.staff_id else None,
        campaign_name=chosen.name if chosen else None,
        campaign_code=chosen.code if chosen else None,
    )
    shape: CardSize = "business" if size == "business" else "a6"
    pdf = render_cards([card] * card_count(count), size=shape, base_url=get_settings().base_url)
    return pdf, found.code


def _title(request: str) -> str:
    first = request.split("\n", 1)[0].strip()
    return first if len(first) <= 40 else first[:39] + "…"


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, time(), KST), datetime.combine(
        end + timedelta(days=1), time(), KST
    )


def daily_target(db: Session, unit_id: int) -> int:
    """The unit's daily target per officer (10 unless the unit set its own)."""
    row = db.get(UnitTarget, unit_id)
    return row.daily if row else targets.DEFAULT_DAILY_TARGET


def may_manage_unit(principal: Principal, unit_id: int | None) -> bool:
    """Whether the caller keeps a unit's daily target and rosters: a lead their own unit, a CS
    manager (or a lead) without a unit every unit of their office, an admin any unit. The unit
    is assumed to be among the caller's offices (the callers look it up so); one rule for the
    target and the roster, so the team page offers the forms only where saving them works."""
    if principal.role not in LEADS:
        return False
    return principal.role == "admin" or principal.unit_id in (None, unit_id)


def _require_manager(
    principal: Principal, unit_id: int | None, what: Literal["target", "roster"]
) -> None:
    """Refuse a caller who may not keep the unit's daily target or roster (``what``)."""
    target = what == "target"
    if principal.role not in LEADS:
        raise Forbidden(
            "일일 목표는 팀장·CS 담당이 정합니다."
            if target
            else "근무표는 팀장·CS 담당이 정합니다."
        )
    if not may_manage_unit(principal, unit_id):
        raise Forbidden(
            "다른 부서의 일일 목표는 그 부서의 팀장이나 CS 담당이 정합니다."
            if target
            else "다른 부서의 근무표는 그 부서의 팀장이나 CS 담당이 정합니다."
        )


def set_daily_target(db: Session, *, principal: Principal, unit_id: int, daily: int) -> None:
    """A lead sets the unit's daily target per officer (``may_manage_unit``: their own unit
    only, so one police box's lead cannot change another's)."""
    _require_manager(principal, unit_id, "target")
    if not 0 <= daily <= 100:
        raise Invalid("일일 목표는 0~100명이어야 합니다.", field="daily")
    row = db.get(UnitTarget, unit_id) or UnitTarget(unit_id=unit_id)
    row.daily = daily
    db.add(row)


OUTREACH_ROLES = ("officer", "unit_lead")
"""The roles of a unit's staff who may go out and log contacts (``require_officer``)."""


def roster_staff(db: Session, unit_id: int) -> list[tuple[str, str]]:
    """The unit's staff whose roster the lead may keep (officers and the lead, who may go out
    too), as (login, name): the roster form's choices."""
    staff = org_service.unit_staff(db_session=db, unit_id=unit_id)
    return [(s.login, s.name) for s in staff if s.role in OUTREACH_ROLES]


def _officers(db: Session, unit_id: int, start: date, end: date) -> list[tuple[int, str, str]]:
    """The rows of the unit's table: every officer, and a lead only when they went out in the
    period (a contact logged or a roster day), so a lead who does not do outreach is not shown
    as an officer with 0% and a gap every day."""
    staff = [
        s
        for s in org_service.unit_staff(db_session=db, unit_id=unit_id)
        if s.role in OUTREACH_ROLES
    ]
    leads = [s.id for s in staff if s.role != "officer"]
    active: set[int] = set()
    if leads:
        since, until = _day_bounds(start, end)
        active.update(
            db.scalars(
                select(Contact.officer_id).where(
                    Contact.officer_id.in_(leads), Contact.at >= since, Contact.at < until
                )
            )
        )
        active.update(
            db.scalars(
                select(RosterDay.officer_id).where(
                    RosterDay.officer_id.in_(leads), RosterDay.day >= start, RosterDay.day <= end
                )
            )
        )
    return [(s.id, s.login, s.name) for s in staff if s.role == "officer" or s.id in active]


def _records(
    db: Session, officer_ids: list[int], start: date, end: date
) -> list[targets.ContactRecord]:
    since, until = _day_bounds(start, end)
    logins = dict(_all_staff(db, officer_ids))
    query = select(Contact.officer_id, Contact.at).where(
        Contact.officer_id.in_(officer_ids), Contact.at >= since, Contact.at < until
    )
    return [(logins[o], to_kst(at)) for o, at in db.execute(query)]


def _all_staff(db: Session, ids: list[int]) -> list[tuple[int, str]]:
    return [(i, org_service.get_staff(db_session=db, staff_id=i).login) for i in ids]


def _roster(db: Session, officers: list[tuple[int, str, str]], start: date, end: date) -> dict:
    ids = {i: login for i, login, _ in officers}
    query = select(RosterDay.officer_id, RosterDay.day).where(
        RosterDay.officer_id.in_(list(ids)), RosterDay.day >= start, RosterDay.day <= end
    )
    days: dict[str, set[date]] = {}
    for officer_id, day in db.execute(query):
        days.setdefault(ids[officer_id], set()).add(day)
    return days


def my_progress(
    db: Session, *, principal: Principal, today: date | None = None
) -> targets.Progress:
    """The calling officer's contacts today against their target."""
    officer = require_officer(principal)
    today = today or to_kst(utcnow()).date()
    me = [(officer.staff_id, principal.login, principal.name)]
    calendar = office_rules(db_session=db, office_id=officer.office_id).calendar
    return targets.progress_today(
        [principal.login],
        _records(db, [officer.staff_id], today, today),
        today,
        target_per_day=daily_target(db, officer.unit_id),
        roster=_roster(db, me, today, today) or None,
        calendar=calendar,
    )[0]


def team_table(
    db: Session, *, principal: Principal, unit_id: int, start: date, end: date
) -> tuple[targets.TargetTable, dict[str, str]]:
    """The lead's table of the unit's officers by day, with their display names."""
    if principal.role not in LEADS:
        raise Forbidden("달성 현황은 팀장·CS 담당이 봅니다.")
    unit = org_service.get_unit(db_session=db, unit_id=unit_id)
    if not principal.all_offices and unit.office_id != principal.office_id:
        raise Invalid("부서를 찾을 수 없습니다.", field="unit")
    officers = _officers(db, unit_id, start, end)
    calendar = office_rules(db_session=db, office_id=unit.office_id).calendar
    roster = _roster(db, officers, start, end)
    table = targets.unit_table(
        [login for _, login, _ in officers],
        _records(db, [i for i, _, _ in officers], start, end),
        start,
        end,
        target_per_day=daily_target(db, unit_id),
        roster=roster or None,
        calendar=calendar,
        today=to_kst(utcnow()).date(),
    )
    return table, {login: name for _, login, name in officers}


def set_roster(db: Session, *, principal: Principal, officer_id: int, days: list[date]) -> int:
    """Replace an officer's working days in the span of ``days``: the lead of the officer's
    unit keeps the roster, as they keep its daily target (``may_manage_unit``); another unit's
    lead is refused and nothing changes."""
    if principal.role not in LEADS:
        raise Forbidden("근무표는 팀장·CS 담당이 정합니다.")
    officer = org_service.get_staff(db_session=db, staff_id=officer_id)
    if officer.office_id != principal.office_id:
        raise Invalid("같은 기관의 직원이어야 합니다.", field="officer")
    _require_manager(principal, officer.unit_id, "roster")
    if not days:
        raise Invalid("근무일을 하나 이상 주세요.", field="days")
    first, last = min(days), max(days)
    for row in db.scalars(
        select(RosterDay).where(
            RosterDay.officer_id == officer_id, RosterDay.day >= first, RosterDay.day <= last
        )
    ):
        db.delete(row)
    db.flush()
    for day in sorted(set(days)):
        db.add(RosterDay(officer_id=officer_id, day=day))
    return len(set(days))


def recent_contacts(db: Session, *, principal: Principal, limit: int = 20) -> list[Contact]:
    """The calling officer's latest contacts."""
    query = select(Contact).where(Contact.officer_id == principal.staff_id)
    return list(db.scalars(query.order_by(Contact.at.desc(), Contact.id.desc()).limit(limit)))
