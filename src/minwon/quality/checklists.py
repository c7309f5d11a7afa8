"""Checklist templates: the shipped defaults (made for an organisation the first time anyone
looks), and an admin's changes — add an item, reword or move it, retire it or bring it back.
Past checks keep the words they were recorded with, so nothing a check said is lost."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from minwon.errors import Forbidden, Invalid, NotFound
from minwon.org import service as org_service
from minwon.org.roles import Principal
from minwon.quality.defaults import DEFAULT_TEMPLATES, STAGES
from minwon.quality.models import ChecklistItem, ChecklistTemplate

MAX_ITEM = 300


def organization_id(db: Session, principal: Principal) -> int:
    """The caller's organisation (the only one for admins and HQ without an office)."""
    if principal.office_id is None:
        return org_service.find_organization(db_session=db).id
    return org_service.get_office(db_session=db, office_id=principal.office_id).organization_id


def ensure_defaults(db: Session, *, organization_id: int) -> None:
    """Create the shipped visit and call checklists for an organisation that has none."""
    have = set(
        db.scalars(
            select(ChecklistTemplate.code).where(
                ChecklistTemplate.organization_id == organization_id
            )
        )
    )
    for code, (name, items) in DEFAULT_TEMPLATES.items():
        if code in have:
            continue
        template = ChecklistTemplate(
            organization_id=organization_id, code=code, name=name, channel=code, active=True
        )
        db.add(template)
        db.flush()
        for position, (stage, text, is_promise) in enumerate(items, start=1):
            db.add(
                ChecklistItem(
                    template_id=template.id,
                    stage=stage,
                    text=text,
                    position=position,
                    is_promise=is_promise,
                )
            )
    db.flush()


def list_templates(db: Session, *, principal: Principal) -> list[ChecklistTemplate]:
    """The caller's organisation's checklists (the defaults are made on first look)."""
    org_id = organization_id(db, principal)
    if (
        db.scalar(
            select(func.count(ChecklistTemplate.id)).where(
                ChecklistTemplate.organization_id == org_id
            )
        )
        == 0
    ):
        ensure_defaults(db, organization_id=org_id)
    query = select(ChecklistTemplate).where(ChecklistTemplate.organization_id == org_id)
    return list(db.scalars(query.order_by(ChecklistTemplate.id)))


def get_template(db: Session, *, principal: Principal, template_id: int) -> ChecklistTemplate:
    """A checklist of the caller's organisation, else NotFound."""
    template = db.get(ChecklistTemplate, template_id)
    if template is None or template.organization_id != organization_id(db, principal):
        raise NotFound("점검표를 찾을 수 없습니다.")
    return template


def template_for_channel(db: Session, *, principal: Principal, channel: str) -> ChecklistTemplate:
    """The active checklist for a channel (visit or call)."""
    for template in list_templates(db, principal=principal):
        if template.channel == channel and template.active:
            return template
    raise NotFound("이 채널의 점검표가 없습니다.", field="channel")


def items(db: Session, *, template_id: int, with_retired: bool = False) -> list[ChecklistItem]:
    """A checklist's items in stage order, then position (retired ones only if asked)."""
    query = select(ChecklistItem).where(ChecklistItem.template_id == template_id)
    if not with_retired:
        query = query.where(ChecklistItem.retired_at.is_(None))
    found = list(db.scalars(query.order_by(ChecklistItem.position, ChecklistItem.id)))
    template = db.get(ChecklistTemplate, template_id)
    order = STAGES.get(template.channel if template else "visit", ())
    return sorted(found, key=lambda i: order.index(i.stage) if i.stage in order else 99)


def _require_admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise Forbidden("점검표는 관리자가 고칩니다.")


def _clean(template: ChecklistTemplate, stage: str, text: str) -> str:
    if stage not in STAGES.get(template.channel, ()):
        raise Invalid("점검 단계가 올바르지 않습니다.", field="stage")
    text = text.strip()
    if not text or len(text) > MAX_ITEM:
        raise Invalid(f"점검 항목은 1~{MAX_ITEM}자여야 합니다.", field="text")
    return text


def add_item(
    db: Session, *, principal: Principal, template_id: int, stage: str, text: str
) -> ChecklistItem:
    """Add an item at the end of a stage (admin)."""
    _require_admin(principal)
    template = get_template(db, principal=principal, template_id=template_id)
    clean = _clean(template, stage, text)
    last = db.scalar(
        select(func.max(ChecklistItem.position)).where(ChecklistItem.template_id == template.id)
    )
    item = ChecklistItem(template_id=template.id, stage=stage, text=clean, position=(last or 0) + 1)
    db.add(item)
    db.flush()
    return item


def get_item(db: Session, *, principal: Principal, item_id: int) -> ChecklistItem:
    """An item of one of the caller's organisation's checklists."""
    item = db.get(ChecklistItem, item_id)
    if item is None:
        raise NotFound("점검 항목을 찾을 수 없습니다.")
    get_template(db, principal=principal, template_id=item.template_id)
    return item


def edit_item(
    db: Session,
    *,
    principal: Principal,
    item_id: int,
    now: datetime,
    text: str | None = None,
    stage: str | None = None,
    retired: bool | None = None,
) -> ChecklistItem:
    """Reword, move or retire (or bring back) an item (admin); past checks keep their words."""
    _require_admin(principal)
    item = get_item(db, principal=principal, item_id=item_id)
    template = get_template(db, principal=principal, template_id=item.template_id)
    if text is not None or stage is not None:
        item.text = _clean(template, stage or item.stage, item.text if text is None else text)
        item.stage = stage or item.stage
    if retired is not None:
        item.retired_at = (item.retired_at or now) if retired else None
    db.flush()
    return item
