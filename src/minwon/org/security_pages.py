"""The admin's sign-in security page /admin/security: which roles must use two-factor
sign-in, locked accounts (unlock), staff whose phone is lost (reset two-factor), the throttle
counters (clear after an incident), every sign-in attempt and every change to who may do
what. Thin: parse, call the services, render."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from minwon.org import admin_security, service, signin, twofactor
from minwon.org.pages import PageAdmin
from minwon.org.roles import ROLE_LABELS, ROLES
from minwon.timeutil import utcnow
from minwon.web.deps import CsrfDep, DbId, SessionDep
from minwon.web.pages import FormDep, flash, redirect
from minwon.web.templating import render
from minwon.web.throttle import throttle_of

router = APIRouter(include_in_schema=False)
SHOWN = 200
RESULT_LABELS = {
    "ok": "로그인",
    "password_ok": "비밀번호 확인(2단계 대기)",
    "ok_recovery": "복구 코드로 로그인",
    "bad_password": "비밀번호 틀림",
    "unknown_login": "없는 아이디",
    "bad_code": "인증 코드 틀림",
    "locked": "잠김·대기 중 시도",
    "throttled": "시도 제한",
}
ACTION_LABELS = {
    "staff_created": "직원 추가",
    "staff_changed": "역할·소속·상태 변경",
    "password_changed": "비밀번호 변경",
    "totp_enabled": "2단계 인증 켬",
    "totp_disabled": "2단계 인증 끔",
    "totp_reset": "2단계 인증 초기화(관리자)",
    "recovery_renewed": "복구 코드 새로 받음",
    "locked": "계정 잠김",
    "unlocked": "잠금 해제",
    "totp_policy": "2단계 인증 필수 역할 변경",
    "token_issued": "API 토큰 발급",
    "token_revoked": "API 토큰 폐기",
    "throttle_cleared": "시도 제한 기록 지움",
    "signed_everyone_out": "모든 사용자 로그아웃",
}


@router.get("/admin/security")
def security_page(
    request: Request, db: SessionDep, principal: PageAdmin, result: str = ""
) -> Response:
    """The sign-in security of the whole deployment, newest events first."""
    now = utcnow()
    wanted = result if result in RESULT_LABELS else ""
    staff = service.list_staff(db_session=db, principal=principal)
    return render(
        request,
        "admin_security.html",
        now=now,
        roles=[(role, ROLE_LABELS[role]) for role in ROLES],
        required=twofactor.required_roles(db_session=db),
        locked=signin.locked_accounts(db_session=db, now=now),
        with_totp=[s for s in staff if s.totp_enabled_at is not None],
        without_totp=admin_security.missing_totp(db, staff),
        unreadable_totp=twofactor.unreadable(staff),
        attempts=signin.history(db_session=db, result=wanted or None, limit=SHOWN),
        result=wanted,
        result_labels=RESULT_LABELS,
        events=signin.audit_events(db_session=db, limit=SHOWN),
        action_labels=ACTION_LABELS,
        role_labels=ROLE_LABELS,
    )


@router.post("/admin/security/totp-roles", dependencies=[CsrfDep])
def set_totp_roles(
    request: Request, db: SessionDep, principal: PageAdmin, form: FormDep
) -> Response:
    """Decide which roles must use two-factor sign-in (their members set it up at their next
    sign-in)."""
    roles = [role for role in ROLES if form.get(f"role_{role}") == "on"]
    chosen = admin_security.set_totp_roles(db, principal=principal, roles=roles, now=utcnow())
    db.commit()
    names = ", ".join(ROLE_LABELS[r] for r in ROLES if r in chosen) or "없음"
    flash(request, f"2단계 인증이 필요한 역할: {names}")
    return redirect("/admin/security")


@router.post("/admin/security/unlock/{staff_id}", dependencies=[CsrfDep])
def unlock(request: Request, db: SessionDep, principal: PageAdmin, staff_id: DbId) -> Response:
    """End a staff member's lock and delays at once."""
    staff = service.get_staff(db_session=db, staff_id=staff_id)
    admin_security.unlock(db, principal=principal, staff=staff, now=utcnow())
    db.commit()
    flash(request, f"잠금을 풀었습니다: {staff.name} ({staff.login})")
    return redirect("/admin/security")


@router.post("/admin/security/totp-reset/{staff_id}", dependencies=[CsrfDep])
def reset_totp(request: Request, db: SessionDep, principal: PageAdmin, staff_id: DbId) -> Response:
    """Turn a staff member's two-factor off (a lost or replaced phone) and sign them out; a
    role that requires it sets it up again at the next sign-in."""
    staff = service.get_staff(db_session=db, staff_id=staff_id)
    admin_security.reset_totp(db, principal=principal, staff=staff, now=utcnow())
    db.commit()
    flash(request, f"2단계 인증을 초기화했습니다: {staff.name} ({staff.login})")
    return redirect("/admin/security")


@router.post("/admin/security/throttle-reset", dependencies=[CsrfDep])
def clear_throttle(request: Request, db: SessionDep, principal: PageAdmin) -> Response:
    """Forget every throttle counter (logins, tracking, survey codes, public forms), e.g. once
    an attack has been blocked upstream and an office's shared address is locked out."""
    admin_security.clear_throttle(
        db, principal=principal, throttle=throttle_of(request), now=utcnow()
    )
    db.commit()
    flash(request, "시도 제한 기록을 모두 지웠습니다.")
    return redirect("/admin/security")
