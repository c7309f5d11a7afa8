"""The import page: staff upload a ledger file (CSV/XLSX), the server imports it in a
process of its own, and the page follows it — rows checked, voices saved, analyses made by the
worker — or shows every bad row when nothing was saved. Thin: parse, hand over, render."""

from collections.abc import Mapping

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from minwon.errors import Invalid
from minwon.org import service as org_service
from minwon.org.roles import ADMIN, CS_MANAGER, Principal
from minwon.voices import import_jobs, import_launch
from minwon.web.deps import CsrfDep, SessionDep
from minwon.web.pages import FormDep, PageStaff, flash, redirect, tr
from minwon.web.templating import render
from minwon.web.text_route import TextRoute

router = APIRouter(route_class=TextRoute, include_in_schema=False)


def _page(request: Request, db: Session, principal: Principal, status: int = 200) -> Response:
    offices = org_service.list_offices(db_session=db, principal=principal)
    return render(
        request,
        "voices/imports.html",
        status,
        imports=import_jobs.recent(db_session=db, principal=principal),
        offices=offices if principal.all_offices else [],
        may_create_units=principal.role in (ADMIN, CS_MANAGER),
    )


@router.get("/imports")
def imports_page(request: Request, db: SessionDep, principal: PageStaff) -> Response:
    """The upload form and the recent imports of the caller's office."""
    import_launch.require_importer(principal)
    return _page(request, db, principal)


@router.post("/imports", dependencies=[CsrfDep])
def upload(
    request: Request,
    db: SessionDep,
    principal: PageStaff,
    form: FormDep,
    file: UploadFile | None = None,
) -> Response:
    """Take the file and start its import in the background; its page follows it."""
    import_launch.require_importer(principal)
    db.commit()  # the upload is already received; hold no write lock while it is copied
    if file is None or not file.filename:
        flash(request, tr(request, "import_choose_file"), "error")
        return redirect("/imports")
    limit = request.app.state.settings.max_import_bytes
    chosen = import_launch.options(
        form.get("office"),
        _ticked(form, "create_units"),
        principal,
        _ticked(form, "again"),
        _ticked(form, "check_only"),
    )
    try:
        import_id = import_launch.begin(
            request.app.state.engine,
            upload=file.file,
            filename=file.filename,
            limit=limit,
            principal=principal,
            chosen=chosen,
        )
    except Invalid:
        flash(request, tr(request, "import_too_big", mb=limit // 1024 // 1024), "error")
        return redirect("/imports")
    return redirect(f"/imports/{import_id}")


@router.get("/imports/{import_id:int}")
def import_page(request: Request, import_id: int, db: SessionDep, principal: PageStaff) -> Response:
    """One import: its progress while it runs, what it saved, or every bad row."""
    import_launch.require_importer(principal)
    status = import_jobs.get(db_session=db, principal=principal, import_id=import_id)
    return render(request, "voices/import.html", s=status)


@router.get("/imports/{import_id:int}/progress")
def import_progress(
    request: Request, import_id: int, db: SessionDep, principal: PageStaff
) -> Response:
    """The progress part of an import's page (polled while the import runs)."""
    import_launch.require_importer(principal)
    status = import_jobs.get(db_session=db, principal=principal, import_id=import_id)
    return render(request, "voices/_import_progress.html", s=status)


def _ticked(form: Mapping[str, str], name: str) -> bool:
    """Whether the form's checkbox (or button) ``name`` was sent on."""
    return form.get(name, "") in ("1", "on", "true")
