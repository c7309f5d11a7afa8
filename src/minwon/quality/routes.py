"""HTTP API of service quality under /api/v1/quality: checklists, checks, scores, mystery
visits and calls, and unit promises."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from minwon.org import service as org_service
from minwon.quality import checklists, checks, mystery, practice, promises, scores, views
from minwon.quality.schemas import (
    CheckIn,
    CheckRead,
    ItemIn,
    ItemPatch,
    ItemRead,
    PracticeCell,
    PracticeLine,
    PracticeRead,
    PromiseIn,
    PromiseRead,
    ScoresRead,
    TemplateRead,
    VisitIn,
    VisitRead,
    VisitResultIn,
)
from minwon.timeutil import utcnow
from minwon.web.deps import DbId, SessionDep, StaffDep
from minwon.web.text_route import TextRoute

router = APIRouter(route_class=TextRoute, prefix="/api/v1/quality", tags=["quality"])


def _marks(marks: list) -> list[checks.Mark]:
    return [checks.Mark(item_id=m.item_id, met=m.met, note=m.note) for m in marks]


@router.get(
    "/templates",
    response_model=list[TemplateRead],
    summary="점검표 목록 · Checklist templates",
)
def list_templates(
    db: SessionDep, principal: StaffDep, retired: bool = False
) -> list[TemplateRead]:
    """기관의 점검표와 항목 (단계별). The organisation's checklists and their items by stage;
    ``retired=true`` also lists retired items."""
    found = checklists.list_templates(db, principal=principal)
    read = [views.template_read(db, t, retired) for t in found]
    db.commit()
    return read


@router.post(
    "/templates/{template_id}/items",
    response_model=ItemRead,
    status_code=201,
    summary="점검 항목 추가 · Add an item (admin)",
)
def add_item(template_id: DbId, body: ItemIn, db: SessionDep, principal: StaffDep) -> ItemRead:
    """관리자가 점검표에 항목을 더합니다. An admin adds an item to a stage of a checklist."""
    item = checklists.add_item(
        db, principal=principal, template_id=template_id, stage=body.stage, text=body.text
    )
    template = checklists.get_template(db, principal=principal, template_id=item.template_id)
    read = next(i for i in views.template_read(db, template, True).items if i.id == item.id)
    db.commit()
    return read


@router.patch(
    "/items/{item_id}",
    response_model=ItemRead,
    summary="점검 항목 고치기·폐지 · Edit or retire an item (admin)",
)
def edit_item(item_id: DbId, body: ItemPatch, db: SessionDep, principal: StaffDep) -> ItemRead:
    """항목 문구·단계를 고치거나 폐지·복원합니다; 지난 점검 기록은 그대로 남습니다. Reword, move,
    retire or restore an item; past checks keep the words they were recorded with."""
    item = checklists.edit_item(
        db,
        principal=principal,
        item_id=item_id,
        now=utcnow(),
        text=body.text,
        stage=body.stage,
        retired=body.retired,
    )
    template = checklists.get_template(db, principal=principal, template_id=item.template_id)
    read = next(i for i in views.template_read(db, template, True).items if i.id == item.id)
    db.commit()
    return read


@router.get("/checks", response_model=list[CheckRead], summary="점검 기록 · Checks")
def list_checks(
    db: SessionDep,
    principal: StaffDep,
    unit: Annotated[str | None, Query(max_length=200)] = None,
    kind: Annotated[str | None, Query(max_length=8)] = None,
    since: date | None = None,
) -> list[CheckRead]:
    """볼 수 있는 점검 기록 (최근 순). The checks the caller may see, newest first: the unit its
    own, the CS manager the office's; a mystery check never names its observer to the unit."""
    unit_id = None
    if unit:
        unit_id = org_service.find_unit_for(db_session=db, principal=principal, ref=unit).id
    found = checks.list_checks(db, principal=principal, unit_id=unit_id, kind=kind, since=since)
    return [views.check_read(db, principal, c) for c in found]


@router.post(
    "/checks",
    response_model=CheckRead,
    status_code=201,
    summary="자가 점검·동료 관찰 기록 · Record a self or peer check",
)
def record_check(body: CheckIn, db: SessionDep, principal: StaffDep) -> CheckRead:
    """모든 항목에 충족/미충족과 메모를 적습니다. Every active item met or not with a note; the
    promise item only when the unit has a promise. Mystery checks go through their visit."""
    check = checks.record(
        db,
        principal=principal,
        data=checks.CheckIn(
            kind=body.kind,
            template_id=body.template_id,
            target=body.target,
            unit=body.unit,
            officer=body.officer,
            checked_on=body.checked_on,
            note=body.note,
            marks=_marks(body.marks),
        ),
        today=views.today(),
    )
    read = views.check_read(db, principal, check)
    db.commit()
    return read


@router.get("/checks/{check_id}", response_model=CheckRead, summary="점검 기록 하나 · A check")
def get_check(check_id: DbId, db: SessionDep, principal: StaffDep) -> CheckRead:
    """점검 기록 하나와 항목별 결과. One check with its items as recorded."""
    return views.check_read(db, principal, checks.get(db, principal=principal, check_id=check_id))


@router.get("/scores", response_model=ScoresRead, summary="점검 점수와 추이 · Scores and trends")
def get_scores(
    db: SessionDep,
    principal: StaffDep,
    months: Annotated[int, Query(ge=1, le=36)] = 6,
    unit: Annotated[str | None, Query(max_length=200)] = None,
    kind: Annotated[str | None, Query(max_length=8)] = None,
) -> ScoresRead:
    """월·종류·부서·직원·항목별 준수율, 자주 놓치는 항목, 약속 이행률 (점검과 설문). Compliance per
    month, kind, unit, officer and item over the last ``months`` months; the items most often
    missed; how well promises were kept (checks and survey); small samples flagged."""
    last = views.today()
    first = views.months_back(last, months)
    unit_id = None
    if unit:
        unit_id = org_service.find_unit_for(db_session=db, principal=principal, ref=unit).id
    s = scores.summarize(
        db, principal=principal, first=first, last=last, unit_id=unit_id, kind=kind
    )
    return ScoresRead(
        first=first,
        last=last,
        checks=s.checks,
        overall=views.rate_read("all", "전체", s.overall),
        months=views.rows_read(s.months),
        kinds=views.rows_read(s.kinds),
        units=views.rows_read(s.units),
        officers=views.rows_read(s.officers),
        items=views.rows_read(s.items),
        missed=views.rows_read(s.missed),
        promise=views.rate_read("promise", "약속 이행", s.promise),
        promise_units=views.rows_read(s.promise_units),
        survey_promise=views.rate_read("survey", "설문 약속 이행", s.survey_promise),
        mystery=views.rate_read("mystery", "암행 점검", s.mystery),
    )


@router.get("/visits", response_model=list[VisitRead], summary="암행 점검 계획 · Mystery visits")
def list_visits(
    db: SessionDep,
    principal: StaffDep,
    status: Annotated[str | None, Query(max_length=12)] = None,
) -> list[VisitRead]:
    """CS 담당은 기관의 계획을, 관찰자는 자기 몫을 봅니다. The CS manager sees the office's plans,
    an observer their own; units never see plans."""
    return [
        views.visit_read(db, v) for v in mystery.list_visits(db, principal=principal, status=status)
    ]


@router.post(
    "/visits",
    response_model=VisitRead,
    status_code=201,
    summary="암행 점검 계획 · Plan a mystery visit or call (CS manager)",
)
def plan_visit(body: VisitIn, db: SessionDep, principal: StaffDep) -> VisitRead:
    """대상 부서(직원), 방문/전화, 상황, 기간, 관찰자. Target unit (and officer), visit or call,
    scenario, date window and observer (by default the planner)."""
    visit = mystery.plan(
        db,
        principal=principal,
        data=mystery.VisitIn(
            unit=body.unit,
            officer=body.officer,
            channel=body.channel,
            scenario=body.scenario,
            window_start=body.window_start,
            window_end=body.window_end,
            observer=body.observer,
        ),
        today=views.today(),
    )
    read = views.visit_read(db, visit)
    db.commit()
    return read


@router.get("/visits/{visit_id}", response_model=VisitRead, summary="암행 점검 하나 · A visit")
def get_visit(visit_id: DbId, db: SessionDep, principal: StaffDep) -> VisitRead:
    """계획한 사람·관찰자·관리자만 봅니다. Its planner, observer and admins only."""
    return views.visit_read(db, mystery.get(db, principal=principal, visit_id=visit_id))


@router.post(
    "/visits/{visit_id}/result",
    response_model=CheckRead,
    status_code=201,
    summary="암행 점검 결과 기록 · Record a mystery visit's checklist",
)
def record_visit(
    visit_id: DbId, body: VisitResultIn, db: SessionDep, principal: StaffDep
) -> CheckRead:
    """관찰자가 점검표를 기록하면 부서가 결과를 봅니다 (관찰자는 밝히지 않음). The observer records
    the checklist; the unit then sees the result without the observer's identity."""
    check = mystery.record(
        db,
        principal=principal,
        visit_id=visit_id,
        marks=_marks(body.marks),
        note=body.note,
        checked_on=body.checked_on,
        today=views.today(),
    )
    read = views.check_read(db, principal, check)
    db.commit()
    return read


@router.post(
    "/visits/{visit_id}/cancel",
    response_model=VisitRead,
    summary="암행 점검 취소 · Cancel a planned visit",
)
def cancel_visit(visit_id: DbId, db: SessionDep, principal: StaffDep) -> VisitRead:
    """예정된 점검을 취소합니다 (CS 담당). Cancel a planned visit (CS manager, admin)."""
    visit = mystery.cancel(db, principal=principal, visit_id=visit_id)
    read = views.visit_read(db, visit)
    db.commit()
    return read


@router.get("/promises", response_model=list[PromiseRead], summary="부서의 약속 · Units' promises")
def list_promises(db: SessionDep, principal: StaffDep) -> list[PromiseRead]:
    """오늘 각 부서가 지키는 약속. The promise each unit of the caller's offices keeps today."""
    office_id = None if principal.all_offices else principal.office_id
    if office_id is None and not principal.all_offices:
        return []
    units = org_service.list_units(db_session=db, office_id=office_id)
    found = promises.of_units(db, unit_ids=[u.id for u in units], on=views.today())
    return [views.promise_read(db, p) for p in found.values()]


@router.post(
    "/promises",
    response_model=PromiseRead,
    status_code=201,
    summary="부서의 약속 정하기 · State a unit's promise",
)
def set_promise(body: PromiseIn, db: SessionDep, principal: StaffDep) -> PromiseRead:
    """팀장(자기 부서)·CS 담당·관리자. The unit lead (own unit), CS manager or admin; the promise
    before ends the day the new one starts, and stays in the history."""
    promise = promises.set_promise(
        db, principal=principal, unit_ref=body.unit, text=body.text, since=body.since
    )
    read = views.promise_read(db, promise)
    db.commit()
    return read


@router.get(
    "/units/{unit_id}/promises",
    response_model=list[PromiseRead],
    summary="약속의 역사 · A unit's promise history",
)
def promise_history(unit_id: DbId, db: SessionDep, principal: StaffDep) -> list[PromiseRead]:
    """부서의 약속 전체 (최근 순). Every promise a unit has made, newest first."""
    found = promises.history(db, principal=principal, unit_id=unit_id)
    return [views.promise_read(db, p) for p in found]


def _cell(month: str, c: practice.Cell, unit: bool) -> PracticeCell:
    return PracticeCell(
        month=month,
        compliance=c.checks.share,
        checks=c.checks.checks,
        checks_small_sample=c.checks.small,
        csat=c.csat,
        answers=c.csat_n,
        csat_small_sample=c.csat_small,
        sessions=c.sessions,
        participants=c.participants,
        practice_score=c.score,
        scored=c.score_n,
        sessions_small_sample=c.sessions_small,
        incidents=c.incidents if unit else None,
    )


def _line(months: list[str], line: practice.Line, unit: bool = True) -> PracticeLine:
    return PracticeLine(
        key=line.key,
        label=line.label,
        total=_cell("all", line.total, unit),
        months=[_cell(m, line.months[m], unit) for m in months if m in line.months],
    )


@router.get(
    "/practice",
    response_model=PracticeRead,
    summary="점검 준수율과 만족도 · Practice beside satisfaction",
)
def get_practice(
    db: SessionDep,
    principal: StaffDep,
    months: Annotated[int, Query(ge=1, le=24)] = 6,
    unit: Annotated[str | None, Query(max_length=200)] = None,
) -> PracticeRead:
    """부서·직원별로 달마다 점검 준수율, 역할극 연습, 특이민원(부서만)과 만족도(CSAT)를 나란히
    보여 줍니다 (인과 아님, 작은 표본 표시). Per unit and officer and month, checklist
    compliance, role-play practice and incidents (units only) beside mean CSAT, each with its
    sample size; side by side only, small samples flagged as the rankings flag them."""
    last = views.today()
    first = views.months_back(last, months)
    unit_id = None
    if unit:
        unit_id = org_service.find_unit_for(db_session=db, principal=principal, ref=unit).id
    found = practice.beside_satisfaction(
        db, principal=principal, first=first, last=last, unit_id=unit_id
    )
    return PracticeRead(
        first=first,
        last=last,
        rule=found.rule,
        units=[_line(found.months, u) for u in found.units],
        officers=[_line(found.months, o, unit=False) for o in found.officers],
    )
