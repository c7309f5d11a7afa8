"""The import page: staff upload a ledger file (CSV/XLSX), the server imports it in a
process of its own, and the page follows it — rows checked, voices saved, analyses made by the
worker — or shows every bad row when nothing was saved. Thin: parse, hand over, render."""

import logging
import multiprocessing
import re
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from minwon.db import make_engine
from minwon.errors import Forbidden
from minwon.org import service as org_service
from minwon.org.roles import ADMIN, CS_MANAGER, WRITERS, Principal
from minwon.voices import import_jobs
from minwon.voices.importer import import_file
from minwon.web.deps import CsrfDep, SessionDep
from minwon.web.pages import FormDep, PageStaff, flash, redirect, tr
from minwon.web.templating import render

router = APIRouter(include_in_schema=False)
log = logging.getLogger("minwon")
_UNSAFE = re.compile(r"[^\w.\-() ]")


def _require_importer(principal: Principal) -> None:
    if principal.role not in WRITERS:
        raise Forbidden("이 역할로는 민원을 가져올 수 없습니다.")


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
    _require_importer(principal)
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
    _require_importer(principal)
    db.commit()  # the upload is already received; hold no write lock while it is copied
    if file is None or not file.filename:
        flash(request, tr(request, "import_choose_file"), "error")
        return redirect("/imports")
    limit = request.app.state.settings.max_import_bytes
    saved = _save(file, file.filename, limit)
    if saved is None:
        flash(request, tr(request, "import_too_big", mb=limit // 1024 // 1024), "error")
        return redirect("/imports")
    engine: Engine = request.app.state.engine
    import_id = import_jobs.start(engine, file=saved.name, principal=principal)
    _start(engine, saved, principal, import_id, _options(form, principal))
    return redirect(f"/imports/{import_id}")


def _save(upload: UploadFile, filename: str, limit: int) -> Path | None:
    """The upload copied to a private folder, under its own name made safe (the report and
    history name the file); None when it is too big."""
    folder = Path(tempfile.mkdtemp(prefix="minwon-import-"))
    name = _UNSAFE.sub("_", Path(filename.replace("\\", "/")).name).strip(". ")[:200]
    path = folder / (name or "upload")
    with path.open("wb") as out:
        shutil.copyfileobj(upload.file, out, 1 << 20)
    if path.stat().st_size > limit:
        shutil.rmtree(folder, ignore_errors=True)
        return None
    return path


def _options(form: dict[str, str], principal: Principal) -> dict[str, Any]:
    office = form.get("office", "").strip() or None
    create = form.get("create_units", "") in ("1", "on", "true")
    return {
        "office": office if principal.all_offices else None,
        "create_units": create and principal.role in (ADMIN, CS_MANAGER),
    }


def _start(
    engine: Engine, path: Path, principal: Principal, import_id: int, options: dict[str, Any]
) -> None:
    """Run the import in a process of its own, so that checking a big file never holds this
    server's interpreter; a thread waits for it and removes the uploaded file."""
    url = engine.url.render_as_string(hide_password=False)
    process = multiprocessing.get_context("spawn").Process(
        target=_run, args=(url, path, principal, import_id, options), name=f"import-{import_id}"
    )
    process.start()

    def tidy() -> None:
        process.join()
        shutil.rmtree(path.parent, ignore_errors=True)

    threading.Thread(target=tidy, name=f"import-{import_id}-wait", daemon=True).start()


def _run(url: str, path: Path, principal: Principal, import_id: int, options: dict) -> None:
    """The import process: import the file under the record the page made."""
    engine = make_engine(url)
    try:
        import_file(engine=engine, path=path, principal=principal, import_id=import_id, **options)
    except Exception:
        log.exception("import %s failed", import_id)
    finally:
        engine.dispose()


@router.get("/imports/{import_id:int}")
def import_page(request: Request, import_id: int, db: SessionDep, principal: PageStaff) -> Response:
    """One import: its progress while it runs, what it saved, or every bad row."""
    _require_importer(principal)
    status = import_jobs.get(db_session=db, principal=principal, import_id=import_id)
    return render(request, "voices/import.html", s=status)


@router.get("/imports/{import_id:int}/progress")
def import_progress(
    request: Request, import_id: int, db: SessionDep, principal: PageStaff
) -> Response:
    """The progress part of an import's page (polled while the import runs)."""
    _require_importer(principal)
    status = import_jobs.get(db_session=db, principal=principal, import_id=import_id)
    return render(request, "voices/_import_progress.html", s=status)
