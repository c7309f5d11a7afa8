"""HTTP API of the organisation tree and API tokens under /api/v1 (thin: parse, call the
service, commit)."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile
from sqlalchemy.orm import Session

from minwon.errors import Invalid, NotFound
from minwon.org import admin_security, loader, service, signin, tokens, twofactor, unit_status
from minwon.org.models import ApiToken, Category, Office, RoutingRule, Staff, Unit
from minwon.org.roles import ROLE_LABELS, Principal
from minwon.org.schemas import (
    AuditRead,
    CategoryCreate,
    CategoryRead,
    EndedRead,
    LockedRead,
    OfficeCreate,
    OfficeRead,
    OrgLoadRead,
    RoutingRuleCreate,
    RoutingRuleRead,
    SecurityRead,
    SignInRead,
    StaffCreate,
    StaffRead,
    TokenCreate,
    TokenIssued,
    TokenRead,
    TokenRequest,
    TotpRolesIn,
    TotpRolesRead,
    UnitCreate,
    UnitRead,
    UnitUpdate,
)
from minwon.timeutil import utcnow
from minwon.web.deps import DbId, SessionDep, StaffDep
from minwon.web.text_route import TextRoute
from minwon.web.throttle import throttle_of

router = APIRouter(route_class=TextRoute, prefix="/api/v1", tags=["org"])


@router.get("/offices", response_model=list[OfficeRead], summary="기관 목록 · Offices")
def list_offices(db: SessionDep, principal: StaffDep) -> list[OfficeRead]:
    """The offices the caller may look at."""
    return [office_read(o) for o in service.list_offices(db_session=db, principal=principal)]


@router.post(
    "/offices", status_code=201, response_model=OfficeRead, summary="기관 추가 · Add an office"
)
def create_office(office_in: OfficeCreate, db: SessionDep, principal: StaffDep) -> OfficeRead:
    """Add an office (admin)."""
    service.require_admin(principal)
    office = service.add_office(db_session=db, office_in=office_in)
    db.commit()
    return office_read(office)


@router.get("/units", response_model=list[UnitRead], summary="부서 목록 · Units")
def list_units(db: SessionDep, principal: StaffDep, office: str | None = None) -> list[UnitRead]:
    """Units of the caller's offices, or of one office (code)."""
    office_id = _visible_office(db, principal, office)
    units = service.list_units(db_session=db, office_id=office_id)
    return [unit_read(u) for u in units if _sees(principal, u.office_id)]


@router.post("/units", status_code=201, response_model=UnitRead, summary="부서 추가 · Add a unit")
def create_unit(unit_in: UnitCreate, db: SessionDep, principal: StaffDep) -> UnitRead:
    """Add a unit with its own ledger (admin)."""
    service.require_admin(principal)
    unit = service.add_unit(db_session=db, unit_in=unit_in)
    db.commit()
    return unit_read(unit)


@router.patch("/units/{code}", response_model=UnitRead)
def update_unit(code: str, change: UnitUpdate, db: SessionDep, principal: StaffDep) -> UnitRead:
    """Rename a unit, write its duties (업무분장), close it or merge it into another (admin).

    A closed or merged unit keeps its ledger but is no longer routed to or suggested.
    """
    service.require_admin(principal)
    unit = service.find_unit(db_session=db, ref=code)
    unit_status.update_unit(db_session=db, unit=unit, change=change)
    db.commit()
    return unit_read(unit)


@router.get("/staff", response_model=list[StaffRead], summary="직원 목록 · Staff")
def list_staff(db: SessionDep, principal: StaffDep, office: str | None = None) -> list[StaffRead]:
    """Staff (admin: any office; unit leads and CS managers: their own office)."""
    office_id = service.find_office(db_session=db, ref=office).id if office else None
    staff = service.list_staff(db_session=db, principal=principal, office_id=office_id)
    return [staff_read(s) for s in staff]


@router.post(
    "/staff", status_code=201, response_model=StaffRead, summary="직원 추가 · Add a staff account"
)
def create_staff(staff_in: StaffCreate, db: SessionDep, principal: StaffDep) -> StaffRead:
    """Add a staff account (admin); without a password it can only use API tokens."""
    service.require_admin(principal)
    staff = service.add_staff(db_session=db, staff_in=staff_in, actor_id=principal.staff_id)
    db.commit()
    return staff_read(staff)


@router.post(
    "/staff/{login}/tokens",
    status_code=201,
    response_model=TokenIssued,
    summary="API 토큰 발급 · Issue an API token",
)
def issue_token(
    login: str, token_in: TokenCreate, db: SessionDep, principal: StaffDep
) -> TokenIssued:
    """Issue an API token for a staff member (admin); the token is shown only in this answer.
    The same as ``POST /api/v1/tokens`` with ``login``."""
    service.require_admin(principal)
    return _issue(db, principal, TokenRequest(**token_in.model_dump(), login=login))


@router.get("/tokens", response_model=list[TokenRead], summary="API 토큰 목록 · List API tokens")
def list_tokens(db: SessionDep, principal: StaffDep) -> list[TokenRead]:
    """API tokens: an admin's office's (every office's for an organisation-wide admin), anyone
    else's own; revoked and expired ones too, with their state. Never the token itself."""
    now = utcnow()
    return [token_read(t, now) for t in tokens.list_tokens(db_session=db, principal=principal)]


@router.post(
    "/tokens",
    status_code=201,
    response_model=TokenIssued,
    summary="API 토큰 만들기 (범위·만료) · Create an API token (scopes, expiry)",
)
def create_token(token_in: TokenRequest, db: SessionDep, principal: StaffDep) -> TokenIssued:
    """Create an API token for yourself, or (admins) for ``login``, a staff member of your
    office. Scopes: read (GET), write (changes), admin (admin-only operations), never more than
    the role allows; expiry 1–365 days, 90 by default. The token is shown only in this answer."""
    return _issue(db, principal, token_in)


@router.delete(
    "/tokens/{token_id}", response_model=TokenRead, summary="API 토큰 폐기 · Revoke an API token"
)
def revoke_token(token_id: DbId, db: SessionDep, principal: StaffDep) -> TokenRead:
    """Revoke a token at once (your own; admins: their office's). Revoking twice is harmless."""
    now = utcnow()
    token = tokens.revoke(db_session=db, principal=principal, token_id=token_id, now=now)
    db.commit()
    return token_read(token, now)


def _issue(db: Session, principal: Principal, token_in: TokenRequest) -> TokenIssued:
    token, raw = tokens.create(
        db_session=db,
        principal=principal,
        login=token_in.login,
        name=token_in.name,
        scopes=token_in.scopes,
        expires_in_days=token_in.expires_in_days,
        now=utcnow(),
    )
    db.commit()
    return TokenIssued(
        login=token.staff.login,
        name=token.name,
        token=raw,
        id=token.id,
        scopes=token.scopes.split(),
        expires_at=token.expires_at,
    )


def token_read(token: ApiToken, now: datetime) -> TokenRead:
    """An API token for the API: owner, scopes, dates and state, never the token itself."""
    return TokenRead(
        id=token.id,
        login=token.staff.login,
        staff_name=token.staff.name,
        name=token.name,
        scopes=token.scopes.split(),
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
        state=tokens.state(token, now),
    )


@router.get("/categories", response_model=list[CategoryRead], summary="분류 목록 · Categories")
def list_categories(
    db: SessionDep, principal: StaffDep, organization: str | None = None
) -> list[CategoryRead]:
    """Categories of one organisation (code), else of the caller's, else of all (admin, HQ)."""
    orgs = {o.id: o.code for o in service.list_organizations(db_session=db)}
    if organization:
        org_ids = [service.find_organization(db_session=db, ref=organization).id]
    elif principal.office_id is not None:
        org_ids = [service.get_office(db_session=db, office_id=principal.office_id).organization_id]
    else:
        org_ids = list(orgs)
    cats = [c for i in org_ids for c in service.list_categories(db_session=db, organization_id=i)]
    return categories_read(cats, orgs)


@router.post(
    "/categories",
    status_code=201,
    response_model=CategoryRead,
    summary="분류 추가 · Add a category",
)
def create_category(
    category_in: CategoryCreate, db: SessionDep, principal: StaffDep
) -> CategoryRead:
    """Add a category (admin)."""
    service.require_admin(principal)
    cat = service.add_category(db_session=db, category_in=category_in)
    db.commit()
    orgs = {o.id: o.code for o in service.list_organizations(db_session=db)}
    return categories_read([cat], orgs, parents=_parent_codes(db, cat))[0]


@router.get(
    "/routing-rules", response_model=list[RoutingRuleRead], summary="배정 규칙 목록 · Routing rules"
)
def list_routing_rules(
    db: SessionDep, principal: StaffDep, office: str | None = None
) -> list[RoutingRuleRead]:
    """Routing rules of the caller's offices, or of one office (code)."""
    office_id = _visible_office(db, principal, office)
    rules = service.list_routing_rules(db_session=db, office_id=office_id)
    return rules_read(db, [r for r in rules if _sees(principal, r.office_id)])


@router.post("/routing-rules", status_code=201, response_model=RoutingRuleRead)
def create_routing_rule(
    rule_in: RoutingRuleCreate, db: SessionDep, principal: StaffDep
) -> RoutingRuleRead:
    """Add a routing rule (admin): category and/or 행정동 → unit."""
    service.require_admin(principal)
    rule = service.add_routing_rule(db_session=db, rule_in=rule_in)
    db.commit()
    return rules_read(db, [rule])[0]


# ---------------------------------------------------------------- answers


def office_read(office: Office) -> OfficeRead:
    """An office for the API."""
    return OfficeRead(
        id=office.id, code=office.code, name=office.name, organization=office.organization.code
    )


def unit_read(unit: Unit) -> UnitRead:
    """A unit for the API."""
    return UnitRead(
        id=unit.id,
        code=unit.code,
        name=unit.name,
        kind=unit.kind,
        front_desk=unit.is_front_desk,
        office=unit.office.code,
        takes_voices=unit.takes_voices,
        merged_into=unit.merged_into.code if unit.merged_into else None,
        duties=unit.duties,
    )


def staff_read(staff: Staff) -> StaffRead:
    """A staff member for the API, without password hash or tokens."""
    return StaffRead(
        id=staff.id,
        login=staff.login,
        name=staff.name,
        email=staff.email,
        role=staff.role,
        role_label=ROLE_LABELS.get(staff.role, staff.role),
        office=staff.office.code if staff.office else None,
        unit=staff.unit.code if staff.unit else None,
        active=staff.active,
    )


def categories_read(
    cats: list[Category], orgs: dict[int, str], parents: dict[int, str] | None = None
) -> list[CategoryRead]:
    """Categories for the API with their parents' codes (taken from ``cats`` by default)."""
    codes = parents if parents is not None else {c.id: c.code for c in cats}
    return [
        CategoryRead(
            id=c.id,
            code=c.code,
            name=c.name,
            parent=codes.get(c.parent_id) if c.parent_id else None,
            organization=orgs.get(c.organization_id, ""),
        )
        for c in cats
    ]


def rules_read(db: Session, rules: list[RoutingRule]) -> list[RoutingRuleRead]:
    """Routing rules for the API, by office, unit and category codes."""
    units = {u.id: u for u in service.list_units(db_session=db)}
    cats = {c.id: c.code for c in _categories_of(db, rules)}
    return [
        RoutingRuleRead(
            id=r.id,
            office=units[r.unit_id].office.code,
            unit=units[r.unit_id].code,
            category=cats.get(r.category_id) if r.category_id else None,
            dong=r.dong,
            priority=r.priority,
        )
        for r in rules
    ]


def _categories_of(db: Session, rules: list[RoutingRule]) -> list[Category]:
    return [c for r in rules if r.category_id and (c := db.get(Category, r.category_id))]


def _parent_codes(db: Session, cat: Category) -> dict[int, str]:
    parent = db.get(Category, cat.parent_id) if cat.parent_id else None
    return {parent.id: parent.code} if parent else {}


def _sees(principal: Principal, office_id: int) -> bool:
    return principal.all_offices or principal.office_id == office_id


def _visible_office(db: Session, principal: Principal, ref: str | None) -> int | None:
    """The id of office ``ref`` if the caller may see it (404 otherwise), or None."""
    if not ref:
        return None
    office = service.find_office(db_session=db, ref=ref)
    if not _sees(principal, office.id):
        raise NotFound(f"기관을 찾을 수 없습니다: {ref}", field="office")
    return office.id


MAX_ORG_FILE = 5 * 1024 * 1024
"""The largest organisation file taken (as on the admin page)."""


@router.post(
    "/org/load",
    response_model=OrgLoadRead,
    summary="조직 파일 불러오기 (YAML·XLSX) · Load an organisation file",
)
def load_org(
    db: SessionDep,
    principal: StaffDep,
    file: Annotated[UploadFile, File(description="the organisation, YAML or XLSX")],
) -> OrgLoadRead:
    """관리자가 조직 파일을 불러옵니다; 생성된 비밀번호는 이 응답에만 보입니다. Load an
    organisation file (admin), as on the admin page: every problem is named and nothing is
    changed when the file is wrong; generated passwords are shown only in this answer."""
    service.require_admin(principal)
    if not file.filename:
        raise Invalid("불러올 조직 파일(YAML·XLSX)을 고르세요.", field="file")
    data = file.file.read(MAX_ORG_FILE + 1)
    if len(data) > MAX_ORG_FILE:
        raise Invalid(f"파일이 너무 큽니다(최대 {MAX_ORG_FILE // 1024 // 1024}MB).", field="file")
    report = loader.load_org_data(db_session=db, data=data, filename=file.filename)
    db.commit()
    return OrgLoadRead(
        organization=report.organization,
        changed=report.changed,
        summary=report.summary(),
        passwords=dict(report.passwords),
    )


@router.post(
    "/sessions/end-all",
    response_model=EndedRead,
    tags=["security"],
    summary="모든 사용자 로그아웃 · Sign everyone out",
)
def end_all_sessions(db: SessionDep, principal: StaffDep) -> EndedRead:
    """관리자가 모든 직원의 로그인 세션을 끝냅니다 (기록됨). Sign every staff member out at
    once (admin), e.g. after a suspected leak; API tokens are not affected."""
    ended = admin_security.end_everyone(db, principal=principal, now=utcnow())
    db.commit()
    return EndedRead(sessions=ended)


@router.get(
    "/security",
    response_model=SecurityRead,
    tags=["security"],
    summary="로그인 보안 현황 · Sign-in security",
)
def security(
    db: SessionDep,
    principal: StaffDep,
    result: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 200,
) -> SecurityRead:
    """2단계 인증 필수 역할, 잠긴 계정, 로그인 시도와 권한 변경 기록 (관리자). Which roles must
    use two-factor, locked accounts, who has or lacks two-factor, sign-in attempts (optionally
    of one ``result``) and changes to accounts, newest first (admin)."""
    service.require_admin(principal)
    now = utcnow()
    staff = service.list_staff(db_session=db, principal=principal)
    return SecurityRead(
        totp_roles=sorted(twofactor.required_roles(db_session=db)),
        locked=[
            LockedRead(login=s.login, name=s.name, locked_until=s.locked_until)
            for s in signin.locked_accounts(db_session=db, now=now)
            if s.locked_until is not None
        ],
        with_totp=[s.login for s in staff if s.totp_enabled_at is not None],
        without_totp=[s.login for s in admin_security.missing_totp(db, staff)],
        unreadable_totp=[s.login for s in twofactor.unreadable(staff)],
        attempts=[
            SignInRead(at=e.at, login=e.login, ip=e.ip, result=e.result)
            for e in signin.history(db_session=db, result=result or None, limit=limit)
        ],
        events=[
            AuditRead(
                at=e.at,
                action=e.action,
                staff=e.staff.login if e.staff else None,
                actor=e.actor.login if e.actor else None,
                detail=e.detail or {},
            )
            for e in signin.audit_events(db_session=db, limit=limit)
        ],
    )


@router.put(
    "/security/totp-roles",
    response_model=TotpRolesRead,
    tags=["security"],
    summary="2단계 인증 필수 역할 정하기 · Roles that must use two-factor",
)
def set_totp_roles(body: TotpRolesIn, db: SessionDep, principal: StaffDep) -> TotpRolesRead:
    """2단계 인증이 필요한 역할을 정합니다 (관리자). Decide which roles must use two-factor
    sign-in (admin); their members set it up at their next sign-in."""
    unknown = sorted(set(body.roles) - set(ROLE_LABELS))
    if unknown:
        raise Invalid(f"알 수 없는 역할입니다: {', '.join(unknown)}", field="roles")
    chosen = admin_security.set_totp_roles(db, principal=principal, roles=body.roles, now=utcnow())
    db.commit()
    return TotpRolesRead(roles=sorted(chosen))


@router.post(
    "/staff/{login}/unlock",
    status_code=204,
    tags=["security"],
    summary="계정 잠금 풀기 · Unlock an account",
)
def unlock(login: str, db: SessionDep, principal: StaffDep) -> None:
    """직원 계정의 잠금과 지연을 바로 풉니다 (관리자). End a staff member's lock and delays
    at once (admin)."""
    service.require_admin(principal)
    staff = service.staff_by_login(db_session=db, login=login)
    admin_security.unlock(db, principal=principal, staff=staff, now=utcnow())
    db.commit()


@router.post(
    "/staff/{login}/totp-reset",
    status_code=204,
    tags=["security"],
    summary="2단계 인증 초기화 · Reset two-factor",
)
def reset_totp(login: str, db: SessionDep, principal: StaffDep) -> None:
    """휴대폰 분실 등으로 직원의 2단계 인증을 끄고 로그아웃시킵니다 (관리자). Turn a staff
    member's two-factor off (a lost phone) and sign them out (admin)."""
    service.require_admin(principal)
    staff = service.staff_by_login(db_session=db, login=login)
    admin_security.reset_totp(db, principal=principal, staff=staff, now=utcnow())
    db.commit()


@router.post(
    "/security/throttle-reset",
    status_code=204,
    tags=["security"],
    summary="시도 제한 기록 지우기 · Clear the throttle",
)
def clear_throttle(request: Request, db: SessionDep, principal: StaffDep) -> None:
    """로그인·조회·설문 코드·공개 양식의 시도 제한 기록을 모두 지웁니다 (관리자). Forget every
    throttle counter (admin), e.g. once an attack is blocked upstream."""
    admin_security.clear_throttle(
        db, principal=principal, throttle=throttle_of(request), now=utcnow()
    )
    db.commit()
