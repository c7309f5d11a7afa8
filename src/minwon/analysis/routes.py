"""HTTP API of the analysis under /api/v1/analysis."""

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.analysis import lookup, service
from minwon.analysis.insight_routes import office_for
from minwon.analysis.masking import mask_text
from minwon.analysis.schemas import (
    AnalysisRead,
    RouteIn,
    RouteOut,
    SimilarIn,
    SimilarRead,
    UnitChoice,
)
from minwon.errors import Conflict, Invalid, NotFound
from minwon.org import service as org_service
from minwon.org.models import Category, Unit
from minwon.org.roles import Principal
from minwon.voices import service as voice_service
from minwon.voices.schemas import CategoryRef, UnitRef
from minwon.web.deps import SessionDep, StaffDep
from minwon.web.text_route import TextRoute

router = APIRouter(route_class=TextRoute, prefix="/api/v1", tags=["analysis"])


def _organization_id(db: Session, principal: Principal, organization: str | None) -> int:
    if principal.office_id is not None and organization is None:
        return org_service.get_office(db_session=db, office_id=principal.office_id).organization_id
    return org_service.find_organization(db_session=db, ref=organization).id


def _unit_ref(db: Session, organization_id: int, code: str) -> UnitRef | None:
    unit = db.scalar(select(Unit).where(Unit.code == code))
    return UnitRef(code=unit.code, name=unit.name) if unit else None


@router.post(
    "/analysis/route", response_model=RouteOut, summary="분류·부서 추천 · Suggest category and unit"
)
def route_text(
    body: RouteIn,
    db: SessionDep,
    principal: StaffDep,
    organization: str | None = None,
    office: Annotated[
        str | None,
        Query(description="관서 코드: 그 관서의 부서 중에서만 추천 · only this office's units"),
    ] = None,
) -> RouteOut:
    """Suggest a category and unit for a text (masked first), with confidence and runners-up:
    among the caller's office's units, or for HQ and admins among every office's units unless
    they name an ``office``."""
    org_id = _organization_id(db, principal, organization)
    if office is not None:
        office_id: int | None = office_for(db, principal, office).id
    else:
        office_id = None if principal.all_offices else principal.office_id
    suggestion = service.suggest(
        db_session=db, organization_id=org_id, text=mask_text(body.text), office_id=office_id
    )
    if suggestion.unit is None and suggestion.category is None:
        raise Conflict(
            "아직 학습된 배정 모델이 없습니다. 'minwon analysis train'을 먼저 실행하세요."
        )
    unit, cat = suggestion.unit, suggestion.category
    category = (
        db.scalar(
            select(Category).where(Category.organization_id == org_id, Category.code == cat.label)
        )
        if cat
        else None
    )
    return RouteOut(
        category=CategoryRef(code=category.code, name=category.name) if category else None,
        unit=_unit_ref(db, org_id, unit.label) if unit else None,
        confidence=unit.confidence if unit else None,
        alternatives=[
            UnitChoice(unit=ref, confidence=p)
            for label, p in (unit.alternatives if unit else [])
            if (ref := _unit_ref(db, org_id, label)) is not None
        ],
    )


@router.get(
    "/analysis/triage",
    response_model=list[AnalysisRead],
    summary="분류 확인 대기 · Voices awaiting triage",
)
def triage(
    db: SessionDep, principal: StaffDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[AnalysisRead]:
    """Voices the routing model was unsure of, waiting for a person, newest first."""
    rows = service.triage(db_session=db, principal=principal, limit=limit)
    return [AnalysisRead.model_validate(r, from_attributes=True) for r in rows]


@router.get(
    "/voices/{voice_id}/analysis",
    response_model=AnalysisRead,
    summary="민원 분석 · Analysis of one voice",
)
def voice_analysis(voice_id: int, db: SessionDep, principal: StaffDep) -> AnalysisRead:
    """Tone, flags and routing suggestion of one voice."""
    voice = voice_service.get(db_session=db, voice_id=voice_id, principal=principal)
    row = service.get(db_session=db, voice_id=voice.id)
    if row is None:
        raise NotFound("이 민원에는 분석 결과가 없습니다.")
    return AnalysisRead.model_validate(row, from_attributes=True)


@router.get(
    "/voices/{voice_id}/similar",
    response_model=list[SimilarRead],
    summary="유사 민원 · Similar earlier voices",
)
def similar_voices(
    voice_id: int,
    db: SessionDep,
    principal: StaffDep,
    limit: Annotated[int, Query(ge=1, le=lookup.MAX_LIMIT)] = 5,
) -> list[SimilarRead]:
    """Earlier voices of the same office about the same matter, with their sent answers."""
    found = lookup.for_voice(db_session=db, principal=principal, voice_id=voice_id, limit=limit)
    return [SimilarRead.model_validate(s, from_attributes=True) for s in found]


@router.post(
    "/analysis/similar",
    response_model=list[SimilarRead],
    summary="작성 중 글과 유사한 민원 · Voices like a text",
)
def similar_to_text(
    body: SimilarIn,
    db: SessionDep,
    principal: StaffDep,
    office: str | None = None,
    limit: Annotated[int, Query(ge=1, le=lookup.MAX_LIMIT)] = 5,
) -> list[SimilarRead]:
    """Voices of the caller's office (or ``office`` for HQ) like a text being written."""
    office_id = _office_id(db, principal, office)
    found = lookup.for_text(
        db_session=db, principal=principal, office_id=office_id, text=body.text, limit=limit
    )
    return [SimilarRead.model_validate(s, from_attributes=True) for s in found]


def _office_id(db: Session, principal: Principal, office: str | None) -> int:
    if office is None:
        if principal.office_id is None:
            raise Invalid("office를 지정하세요.", field="office")
        return principal.office_id
    found = org_service.find_office(db_session=db, ref=office)
    if not principal.all_offices and found.id != principal.office_id:
        raise NotFound("사무소를 찾을 수 없습니다.")
    return found.id
