"""The admin's Open311 pages: /admin/open311 (client keys: issue, revoke; services: add) and
/admin/open311/services/{id} (a service's fields and attributes). Thin: parse, call the
service, render; a refused form comes back with what was typed and the reason."""

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from minwon.errors import MinwonError
from minwon.open311 import definitions, keys
from minwon.open311.schemas import DATATYPES, AttributeIn, KeyCreate, ServiceBase, ServiceCreate
from minwon.org import service as org_service
from minwon.org.pages import PageAdmin
from minwon.org.roles import Principal
from minwon.org.schemas import korean_message
from minwon.timeutil import utcnow
from minwon.voices.catalog import kinds_for
from minwon.web.deps import CsrfDep, DbId, SessionDep
from minwon.web.pages import FormDep, flash, redirect, said_fields, tr
from minwon.web.templating import render
from minwon.web.text_route import TextRoute

router = APIRouter(route_class=TextRoute, include_in_schema=False)
BOXES = ("required", "variable", "active")


def _form_model(model: type[BaseModel], form: Mapping[str, str], **extra: Any) -> Any:
    """The form as ``model``: blank fields absent, check boxes as booleans."""
    data: dict[str, Any] = {
        k: v for k, v in form.items() if k != "csrf_token" and v.strip() and k not in BOXES
    }
    for box in BOXES:
        if box in model.model_fields:
            data[box] = form.get(box) in ("on", "1", "true")
    return model.model_validate({**data, **extra})


def _errors(exc: ValidationError) -> dict[str, str]:
    found: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "form"
        found.setdefault(name, korean_message(error))
    return found


def _attempt(request: Request, action: Callable[[], Any]) -> tuple[Any, dict[str, str]]:
    """Run ``action``: its result and no errors, or None and each field's reason (in the
    reader's language)."""
    try:
        return action(), {}
    except ValidationError as exc:
        return None, _errors(exc)
    except MinwonError as exc:
        return None, said_fields(request, exc)


def _values(values: list[dict[str, str]]) -> str:
    return "\n".join(f"{v['key']}={v['name']}" for v in values)


def parse_values(text: str) -> list[dict[str, str]]:
    """``key=name`` lines (a line without ``=`` is its own name) as list values."""
    found = []
    for line in text.splitlines():
        key, _, name = line.partition("=")
        if key.strip():
            found.append({"key": key.strip(), "name": (name or key).strip()})
    return found


def _overview(
    request: Request, db: Session, principal: Principal, status: int = 200, **extra: Any
) -> Response:
    offices = org_service.list_offices(db_session=db, principal=principal)
    return render(
        request,
        "open311/admin.html",
        status,
        keys=keys.list_keys(db_session=db, principal=principal),
        services=definitions.list_services(db_session=db, principal=principal),
        offices=offices,
        office_codes={o.id: o.code for o in offices},
        kinds=_kinds(db, principal),
        values=extra.pop("values", {}),
        errors=extra.pop("errors", {}),
        **extra,
    )


def _kinds(db: Session, principal: Principal) -> dict[str, str]:
    orgs = org_service.list_organizations(db_session=db)
    return kinds_for(orgs[0].settings) if orgs else {}


@router.get("/admin/open311")
def open311_admin(request: Request, db: SessionDep, principal: PageAdmin) -> Response:
    """Client keys and services of the admin's offices."""
    return _overview(request, db, principal)


@router.post("/admin/open311/keys", dependencies=[CsrfDep])
def issue_key(request: Request, db: SessionDep, principal: PageAdmin, form: FormDep) -> Response:
    """Issue a client key; the key is shown once, on this answer (never kept or mailed)."""
    offices = [k.removeprefix("office_") for k in form if k.startswith("office_")]

    def issue() -> Any:
        key_in = _form_model(
            KeyCreate,
            {k: v for k, v in form.items() if not k.startswith("office_")},
            offices=offices,
        )
        return keys.issue(db_session=db, key_in=key_in, principal=principal, now=utcnow())

    result, errors = _attempt(request, issue)
    if errors:
        db.rollback()
        return _overview(request, db, principal, 422, values=form, errors=errors, form="key")
    db.commit()
    key, raw = result
    return _overview(request, db, principal, new_key=raw, new_key_name=key.name)


@router.post("/admin/open311/keys/{key_id}/revoke", dependencies=[CsrfDep])
def revoke_key(request: Request, db: SessionDep, principal: PageAdmin, key_id: DbId) -> Response:
    """Revoke a client key at once."""
    key = keys.revoke(db_session=db, key_id=key_id, principal=principal, now=utcnow())
    db.commit()
    flash(request, tr(request, "o3_key_revoked", name=key.name))
    return redirect("/admin/open311")


@router.post("/admin/open311/services", dependencies=[CsrfDep])
def add_service(request: Request, db: SessionDep, principal: PageAdmin, form: FormDep) -> Response:
    """Offer a new service in an office."""
    result, errors = _attempt(
        request,
        lambda: definitions.add_service(
            db_session=db,
            service_in=_form_model(ServiceCreate, {**form, "active": "on"}),
            principal=principal,
            now=utcnow(),
        ),
    )
    if errors:
        db.rollback()
        return _overview(request, db, principal, 422, values=form, errors=errors, form="service")
    db.commit()
    flash(request, tr(request, "o3_service_added", name=result.name))
    return redirect(f"/admin/open311/services/{result.id}")


def _service_page(
    request: Request,
    db: Session,
    principal: Principal,
    service_id: int,
    status: int = 200,
    **extra: Any,
) -> Response:
    service = definitions.get_service(db_session=db, service_id=service_id, principal=principal)
    category = org_service.list_categories(
        db_session=db,
        organization_id=org_service.get_office(
            db_session=db, office_id=service.office_id
        ).organization_id,
    )
    current = {
        "name": service.name,
        "description": service.description,
        "category": next((c.code for c in category if c.id == service.category_id), ""),
        "kind": service.kind,
        "group": service.group_name,
        "keywords": service.keywords,
        "active": "on" if service.active else "",
    }
    return render(
        request,
        "open311/service.html",
        status,
        service=service,
        office_code=org_service.get_office(db_session=db, office_id=service.office_id).code,
        categories=[(c.code, c.name) for c in category],
        kinds=_kinds(db, principal),
        datatypes=DATATYPES,
        current=extra.pop("current", current),
        values=extra.pop("values", {"order": str(len(service.attributes) + 1), "variable": "on"}),
        errors=extra.pop("errors", {}),
        values_text=_values,
        **extra,
    )


@router.get("/admin/open311/services/{service_id}")
def service_page(
    request: Request, db: SessionDep, principal: PageAdmin, service_id: DbId
) -> Response:
    """A service: its fields and its attributes, with forms to change them."""
    return _service_page(request, db, principal, service_id)


@router.post("/admin/open311/services/{service_id}", dependencies=[CsrfDep])
def change_service(
    request: Request, db: SessionDep, principal: PageAdmin, service_id: DbId, form: FormDep
) -> Response:
    """Change a service's fields (name, text, category, kind, group, keywords, offered)."""
    result, errors = _attempt(
        request,
        lambda: definitions.update_service(
            db_session=db,
            service_id=service_id,
            change=_form_model(ServiceBase, form),
            principal=principal,
            now=utcnow(),
        ),
    )
    if errors:
        db.rollback()
        return _service_page(
            request, db, principal, service_id, 422, current=form, service_errors=errors
        )
    db.commit()
    flash(request, tr(request, "o3_service_saved", name=result.name))
    return redirect(f"/admin/open311/services/{service_id}")


@router.post("/admin/open311/services/{service_id}/attributes", dependencies=[CsrfDep])
def set_attribute(
    request: Request, db: SessionDep, principal: PageAdmin, service_id: DbId, form: FormDep
) -> Response:
    """Add an attribute, or replace the one with the same code."""
    fields = {k: v for k, v in form.items() if k != "values"}

    def save() -> Any:
        attribute_in = _form_model(AttributeIn, fields, values=parse_values(form.get("values", "")))
        return definitions.set_attribute(
            db_session=db,
            service_id=service_id,
            attribute_in=attribute_in,
            principal=principal,
            now=utcnow(),
        )

    result, errors = _attempt(request, save)
    if errors:
        db.rollback()
        return _service_page(request, db, principal, service_id, 422, values=form, errors=errors)
    db.commit()
    flash(request, tr(request, "o3_attribute_saved", code=result.code))
    return redirect(f"/admin/open311/services/{service_id}")


@router.post(
    "/admin/open311/services/{service_id}/attributes/{attribute_id}/delete",
    dependencies=[CsrfDep],
)
def remove_attribute(
    request: Request, db: SessionDep, principal: PageAdmin, service_id: DbId, attribute_id: DbId
) -> Response:
    """Take an attribute off a service."""
    removed = definitions.remove_attribute(
        db_session=db,
        service_id=service_id,
        attribute_id=attribute_id,
        principal=principal,
        now=utcnow(),
    )
    db.commit()
    flash(request, tr(request, "o3_attribute_removed", code=removed.code))
    return redirect(f"/admin/open311/services/{service_id}")
