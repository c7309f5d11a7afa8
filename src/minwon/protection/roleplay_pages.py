"""Role-play pages: the scenario library, a scenario to run (persona, lines, rubric), the
admin's edit form, recording a session on a phone (pick the participants, then the score
sheet), a session with self-scoring, and an officer's practice history."""

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from minwon.errors import Forbidden, MinwonError
from minwon.org.models import Staff
from minwon.org.roles import ADMIN, WRITERS, Principal
from minwon.protection import practice, scenarios
from minwon.protection.models import Scenario
from minwon.protection.pages import form_errors
from minwon.protection.roleplay_schemas import ScenarioIn, SelfScoresIn, SessionCreate
from minwon.textutil import whole_number
from minwon.timeutil import utcnow
from minwon.web.deps import CsrfDep, DbId, SessionDep
from minwon.web.pages import FormDep, PageStaff, flash, redirect, tr
from minwon.web.templating import kst, render
from minwon.web.text_route import TextRoute

router = APIRouter(route_class=TextRoute, include_in_schema=False)
SCORES = (1, 2, 3, 4, 5)


@router.get("/roleplay")
def library(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """The scenario library and the sessions the caller may see."""
    scenarios.ensure_library(db_session=db, principal=principal, now=utcnow())
    rows = practice.list_for(db_session=db, principal=principal, limit=30)
    return render(
        request,
        "protection/roleplay.html",
        library=scenarios.library(db_session=db, principal=principal),
        sessions=[practice.read(db, r) for r in rows],
        people=practice.people_overview(db, principal),
    )


@router.get("/roleplay/scenarios/{scenario_id}")
def scenario_page(
    request: Request, scenario_id: DbId, db: SessionDep, principal: PageStaff
) -> Response:
    """A scenario to run: persona, what they want, the escalating lines, the rubric."""
    row = scenarios.get(db_session=db, scenario_id=scenario_id, principal=principal)
    return render(
        request,
        "protection/scenario.html",
        s=row,
        may_record=principal.role in WRITERS and principal.office_id is not None,
        may_edit=principal.role == ADMIN,
    )


def _scenario_values(row: Scenario) -> dict[str, str]:
    values = {
        "title": row.title,
        "persona": row.persona,
        "wants": row.wants,
        "channel": row.channel,
        "active": "on" if row.active else "",
        "lines": "\n".join(f"{x['line']} | {x.get('cue', '')}".rstrip(" |") for x in row.lines),
    }
    for i, item in enumerate(row.rubric):
        values[f"r{i}_code"], values[f"r{i}_name"] = item["code"], item["name"]
        values.update({f"r{i}_a{n}": a for n, a in enumerate(item["anchors"], 1)})
    return values


def _scenario_in(form: Mapping[str, str], slots: int) -> ScenarioIn:
    lines = []
    for raw in form.get("lines", "").splitlines():
        line, _, cue = raw.partition("|")
        if line.strip():
            lines.append({"line": line.strip(), "cue": cue.strip()})
    rubric = [
        {
            "code": form.get(f"r{i}_code", ""),
            "name": form.get(f"r{i}_name", ""),
            "anchors": [form.get(f"r{i}_a{n}", "") for n in SCORES],
        }
        for i in range(slots)
        if form.get(f"r{i}_name", "").strip() or form.get(f"r{i}_code", "").strip()
    ]
    return ScenarioIn.model_validate(
        {
            "title": form.get("title", ""),
            "persona": form.get("persona", ""),
            "wants": form.get("wants", ""),
            "channel": form.get("channel", ""),
            "active": bool(form.get("active")),
            "lines": lines,
            "rubric": rubric,
        }
    )


def _edit_page(
    request: Request, row: Scenario, values: Mapping[str, str], errors: dict[str, str]
) -> Response:
    return render(
        request,
        "protection/scenario_edit.html",
        422 if errors else 200,
        s=row,
        values=values,
        errors=errors,
        slots=len(row.rubric) + 1,
        scores=SCORES,
    )


def _admin_scenario(db: Session, principal: Principal, scenario_id: int) -> Scenario:
    row = scenarios.get(db_session=db, scenario_id=scenario_id, principal=principal)
    if not principal.is_admin:
        raise Forbidden("시나리오는 관리자만 고칠 수 있습니다.")
    return row


@router.get("/roleplay/scenarios/{scenario_id}/edit")
def edit_form(
    request: Request, scenario_id: DbId, db: SessionDep, principal: PageStaff
) -> Response:
    """The admin's form for a scenario's text, lines and rubric anchors."""
    row = _admin_scenario(db, principal, scenario_id)
    return _edit_page(request, row, _scenario_values(row), {})


@router.post("/roleplay/scenarios/{scenario_id}/edit", dependencies=[CsrfDep])
def edit_save(
    request: Request, scenario_id: DbId, db: SessionDep, principal: PageStaff, form: FormDep
) -> Response:
    """Save the scenario; a refused form keeps what was typed."""
    row = _admin_scenario(db, principal, scenario_id)
    try:
        data = _scenario_in(form, len(row.rubric) + 1)
        scenarios.update(
            db_session=db, scenario_id=row.id, data=data, principal=principal, now=utcnow()
        )
    except (ValidationError, MinwonError) as exc:
        db.rollback()
        return _edit_page(request, row, form, form_errors(request, exc))
    db.commit()
    flash(request, tr(request, "rp_scenario_saved"))
    return redirect(f"/roleplay/scenarios/{row.id}")


@router.post("/roleplay/scenarios/{scenario_id}/reset", dependencies=[CsrfDep])
def reset(request: Request, scenario_id: DbId, db: SessionDep, principal: PageStaff) -> Response:
    """Put a shipped scenario back to the default."""
    scenarios.reset(db_session=db, scenario_id=scenario_id, principal=principal, now=utcnow())
    db.commit()
    flash(request, tr(request, "rp_scenario_reset"))
    return redirect(f"/roleplay/scenarios/{scenario_id}")


def _sheet(
    request: Request,
    db: Session,
    principal: Principal,
    row: Scenario,
    chosen: list[str],
    values: Mapping[str, str],
    errors: dict[str, str],
) -> Response:
    people = practice.colleagues(db, principal)
    return render(
        request,
        "protection/session_new.html",
        422 if errors else 200,
        s=row,
        people=people,
        chosen=[p for p in people if p.login in chosen],
        values=values,
        errors=errors,
        scores=SCORES,
        max_at=kst(utcnow(), "%Y-%m-%dT%H:%M"),
    )


def _scenario_for_session(db: Session, principal: Principal, scenario_id: str) -> Scenario:
    if principal.role not in WRITERS:
        raise Forbidden("이 역할로는 기록할 수 없습니다.")
    ref = whole_number(scenario_id) or 0
    return scenarios.get(db_session=db, scenario_id=ref, principal=principal)


@router.get("/roleplay/sessions/new")
def session_new(
    request: Request, db: SessionDep, principal: PageStaff, scenario: str = ""
) -> Response:
    """Step 1 picks who practised; step 2 (the same page with ``p``) is the score sheet."""
    row = _scenario_for_session(db, principal, scenario)
    chosen = request.query_params.getlist("p")
    values = {"held_at": kst(utcnow(), "%Y-%m-%dT%H:%M"), "observer": principal.login}
    return _sheet(request, db, principal, row, chosen, values, {})


def _session_in(form: Mapping[str, str], scenario_id: int, items: list[str]) -> SessionCreate:
    chosen = [k.removeprefix("p_") for k in form if k.startswith("p_")]
    scores: dict[str, dict[str, dict[str, int]]] = {"o": {}, "s": {}}
    for by in scores:
        for login in chosen:
            given = {i: form.get(f"{by}_{login}_{i}", "") for i in items}
            read = {i: whole_number(v, digits=1) for i, v in given.items()}
            picked = {i: n for i, n in read.items() if n is not None}
            if picked:
                scores[by][login] = picked
    return SessionCreate.model_validate(
        {
            "scenario_id": scenario_id,
            "held_at": form.get("held_at", ""),
            "participants": chosen,
            "observer": form.get("observer") or None,
            "observer_scores": scores["o"],
            "self_scores": scores["s"],
            "coaching": form.get("coaching", ""),
        }
    )


@router.post("/roleplay/sessions", dependencies=[CsrfDep])
def session_create(
    request: Request, db: SessionDep, principal: PageStaff, form: FormDep
) -> Response:
    """Record the session; a refused sheet comes back with every score and note kept."""
    row = _scenario_for_session(db, principal, form.get("scenario", ""))
    chosen = [k.removeprefix("p_") for k in form if k.startswith("p_")]
    try:
        data = _session_in(form, row.id, [str(i["code"]) for i in row.rubric])
        made = practice.record(db_session=db, data=data, principal=principal, now=utcnow())
    except (ValidationError, MinwonError) as exc:
        db.rollback()
        return _sheet(request, db, principal, row, chosen, form, form_errors(request, exc))
    db.commit()
    flash(request, tr(request, "rp_session_saved"))
    return redirect(f"/roleplay/sessions/{made.id}")


def _session_page(
    request: Request, db: Session, principal: Principal, session_id: int, errors: dict[str, str]
) -> Response:
    row = practice.get(db_session=db, session_id=session_id, principal=principal)
    read = practice.read(db, row)
    scenario = db.get_one(Scenario, row.scenario_id)
    mine = next((p for p in read.participants if p.staff_id == principal.staff_id), None)
    linkable = {
        p.staff_id
        for p in read.participants
        if practice.may_see_person(principal, db.get_one(Staff, p.staff_id))
    }
    return render(
        request,
        "protection/session.html",
        422 if errors else 200,
        item=read,
        s=scenario,
        mine=mine,
        linkable=linkable,
        errors=errors,
        scores=SCORES,
    )


@router.get("/roleplay/sessions/{session_id}")
def session_page(
    request: Request, session_id: DbId, db: SessionDep, principal: PageStaff
) -> Response:
    """A session: scores by the observer and by each participant, coaching notes."""
    return _session_page(request, db, principal, session_id, {})


@router.post("/roleplay/sessions/{session_id}/self", dependencies=[CsrfDep])
def self_scores(
    request: Request, session_id: DbId, db: SessionDep, principal: PageStaff, form: FormDep
) -> Response:
    """A participant's own scores."""
    picked = {k.removeprefix("self_"): v for k, v in form.items() if k.startswith("self_") and v}
    try:
        data = SelfScoresIn.model_validate({"scores": picked})
        practice.set_self_scores(
            db_session=db, session_id=session_id, scores=data.scores, principal=principal
        )
    except (ValidationError, MinwonError) as exc:
        db.rollback()
        if isinstance(exc, MinwonError) and exc.status in (403, 404):
            raise
        return _session_page(request, db, principal, session_id, form_errors(request, exc))
    db.commit()
    flash(request, tr(request, "rp_self_saved"))
    return redirect(f"/roleplay/sessions/{session_id}")


@router.get("/roleplay/people/{staff_id}")
def person(request: Request, staff_id: DbId, db: SessionDep, principal: PageStaff) -> Response:
    """An officer's practice history: sessions over time and per-item means."""
    found = practice.history(db_session=db, staff_id=staff_id, principal=principal)
    names = _item_names(scenarios.library(db_session=db, principal=principal))
    return render(request, "protection/person.html", h=found, names=names)


def _item_names(rows: list[Scenario]) -> dict[str, Any]:
    return {str(i["code"]): i["name"] for s in rows for i in s.rubric}
