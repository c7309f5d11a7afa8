"""The survey page of the CS manager (/surveys): the 100-point index and grades of the offices,
ranks by year with streaks, drivers of low scores, citizens' written answers with their topics,
and the survey templates with a form to define a new one."""

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from minwon.errors import Forbidden, Invalid, MinwonError
from minwon.org import service as org_service
from minwon.org.roles import ADMIN, CS_MANAGER, Principal
from minwon.quality import practice
from minwon.reports.dashboard import survey_months
from minwon.reports.views import names as view_names
from minwon.surveys import overview, pcsi, rankings, templates
from minwon.surveys.templates import KINDS, TRIGGERS, QuestionIn
from minwon.textutil import whole_number
from minwon.timeutil import to_kst, utcnow, within_calendar
from minwon.web.deps import CsrfDep, SessionDep
from minwon.web.pages import FormDep, PageStaff, flash, redirect, refused_filter, said, tr
from minwon.web.templating import render
from minwon.web.text_route import TextRoute

router = APIRouter(route_class=TextRoute, include_in_schema=False)
QUESTION_ROWS = 6


def _organization(db: Any, principal: Principal) -> Any:
    if principal.office_id is None:
        return org_service.find_organization(db_session=db)
    return org_service.organization_of_office(db_session=db, office_id=principal.office_id)


def _years(db: Any) -> list[int]:
    span = survey_months(db)
    if span is None:
        return []
    first, last = span
    return list(range(max(first.year, last.year - 9), last.year + 1))


def _twelve_months_back(today: date) -> date:
    """The first day of the month eleven months before ``today``'s: twelve months of answers,
    so the index is never read from the first days of a year."""
    months = today.year * 12 + today.month - 1 - 11
    return date(months // 12, months % 12 + 1, 1)


def _ranked_through(history: dict[Any, dict[int, int | None]], years: list[int]) -> int:
    """The latest year in which any office was ranked: streaks run up to it, so a new year
    with too few answers yet does not end every streak on its first day."""
    ranked = [y for ranks in history.values() for y, rank in ranks.items() if rank is not None]
    return max(ranked, default=years[-1])


def _period(params: Any) -> tuple[date, date]:
    today = to_kst(utcnow()).date()
    try:
        start = (
            date.fromisoformat(params.get("start"))
            if params.get("start")
            else _twelve_months_back(today)
        )
        end = date.fromisoformat(params.get("end")) if params.get("end") else today
    except ValueError as exc:
        raise Invalid("날짜는 YYYY-MM-DD 형식이어야 합니다.", field="start") from exc
    within_calendar(start, "start")
    within_calendar(end, "end")
    if end < start or (end - start).days > 800:
        raise Invalid("기간이 올바르지 않습니다 (800일 이내).", field="end")
    return start, end


def _context(db: Any, principal: Principal, params: Any) -> dict[str, Any]:
    org = _organization(db, principal)
    start, end = _period(params)
    names = view_names(db, principal)
    everyone = Principal(None, "surveys", "surveys", ADMIN, None, None)
    offices = [
        o
        for o in org_service.list_offices(db_session=db, principal=everyone)
        if o.organization_id == org.id
    ]
    groups = ((org.settings or {}).get("surveys") or {}).get("peer_groups") or {}
    peer = {o.id: str(groups.get(o.code) or org.name) for o in offices}
    index = overview.office_index(
        db,
        offices={o.id: o.name for o in offices},
        peer_groups=peer,
        start=start,
        end=end,
        settings=org.settings or {},
    )
    years = _years(db)
    history = overview.yearly_ranks(db, years=years) if years else {}
    office_id = principal.office_id or (offices[0].id if offices else None)
    return {
        "organization": org,
        "start": start,
        "end": end,
        "office_names": {o.id: o.name for o in offices},
        "index": index,
        "pcsi_rule": pcsi.RULE_KO,
        "years": years,
        "history": history,
        "streaks": overview.streaks(history, as_of=_ranked_through(history, years))
        if years
        else {},
        "drivers": overview.driver_table(db, office_id=office_id, start=start, end=end)
        if office_id
        else [],
        "driver_names": names,
        "comments": overview.comments(db, office_id=office_id, start=start, end=end)
        if office_id
        else [],
        "topics": overview.comment_topics(db, office_id=office_id, start=start, end=end)
        if office_id
        else [],
        "templates": [
            (t, templates.questions(db_session=db, template_id=t.id))
            for t in templates.list_templates(db_session=db, organization_id=org.id)
        ],
        "may_define": principal.role in (CS_MANAGER, ADMIN),
        "TRIGGERS": TRIGGERS,
        "QKINDS": KINDS,
        "rows": range(QUESTION_ROWS),
        "rank_rule": rankings.RULE_KO,
        "practice": practice.beside_satisfaction(
            db, principal=principal, first=max(start, end - timedelta(days=185)), last=end
        ),
    }


@router.get("/surveys")
def surveys_page(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """Index and grades, streaks, drivers, written answers and templates."""
    try:
        context = _context(db, principal, request.query_params)
    except Invalid as exc:
        return refused_filter(request, "reports/error.html", exc, status=422)
    return render(request, "surveys/overview.html", values={}, errors={}, **context)


def _questions(form: dict[str, str]) -> list[QuestionIn]:
    out = []
    for i in range(QUESTION_ROWS):
        text = form.get(f"q{i}_text", "").strip()
        if not text:
            continue
        choices = [c.strip() for c in form.get(f"q{i}_choices", "").split(",") if c.strip()]
        out.append(
            QuestionIn(
                key=form.get(f"q{i}_key", "").strip() or f"q{i + 1}",
                kind=form.get(f"q{i}_kind", "csat"),
                text=text,
                choices=choices,
                required=form.get(f"q{i}_required") == "on",
            )
        )
    return out


def _int(form: dict[str, str], name: str, default: int) -> int:
    value = form.get(name, "").strip()
    if not value:
        return default
    number = whole_number(value, signed=True)
    if number is None:
        raise Invalid("숫자로 입력하세요.", field=name)
    return number


@router.post("/surveys/templates", dependencies=[CsrfDep])
def define(request: Request, db: SessionDep, principal: PageStaff, form: FormDep) -> Response:
    """Define a survey from the form; a bad form is shown again with the reason."""
    if principal.role not in (CS_MANAGER, ADMIN):
        raise Forbidden("조사 설계는 CS 담당과 관리자만 할 수 있습니다.")
    try:
        templates.create_template(
            db_session=db,
            organization_id=_organization(db, principal).id,
            code=form.get("code", "").strip(),
            name=form.get("name", "").strip(),
            intro=form.get("intro", "").strip(),
            trigger=form.get("trigger", ""),
            delay_hours=_int(form, "delay_hours", 24),
            quiet_days=_int(form, "quiet_days", 30),
            expires_days=_int(form, "expires_days", 14),
            questions=_questions(form),
        )
    except MinwonError as exc:
        db.rollback()
        context = _context(db, principal, request.query_params)
        errors = {exc.field or "form": said(request, exc)}
        return render(request, "surveys/overview.html", 422, values=form, errors=errors, **context)
    db.commit()
    flash(request, tr(request, "sv_defined"))
    return redirect("/surveys")
