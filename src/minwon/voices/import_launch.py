"""Starting a ledger import from an uploaded file, shared by the import page and the API: the
file is copied to a private folder and imported in a process of its own, so that checking a
big file never holds this server's interpreter."""

import logging
import multiprocessing
import re
import shutil
import tempfile
import threading
from multiprocessing.context import ForkServerContext, SpawnContext
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine

from minwon.db import make_engine
from minwon.errors import Forbidden, Invalid
from minwon.org.roles import ADMIN, CS_MANAGER, WRITERS, Principal
from minwon.voices import import_jobs
from minwon.voices.importer import import_file

log = logging.getLogger("minwon")
_UNSAFE = re.compile(r"[^\w.\-() ]")
TOO_BIG = "파일이 너무 큽니다(최대 {mb}MB)."
CHOOSE_FILE = "가져올 파일(CSV·엑셀)을 고르세요."


def require_importer(principal: Principal) -> None:
    """Only the roles that may record voices may import them."""
    if principal.role not in WRITERS:
        raise Forbidden("이 역할로는 민원을 가져올 수 없습니다.")


def save(upload: IO[bytes], filename: str, limit: int) -> Path | None:
    """The upload copied to a private folder, under its own name made safe (the report and
    history name the file); None when it is too big."""
    folder = Path(tempfile.mkdtemp(prefix="minwon-import-"))
    name = _UNSAFE.sub("_", Path(filename.replace("\\", "/")).name).strip(". ")[:200]
    path = folder / (name or "upload")
    with path.open("wb") as out:
        shutil.copyfileobj(upload, out, 1 << 20)
    if path.stat().st_size > limit:
        shutil.rmtree(folder, ignore_errors=True)
        return None
    return path


def options(
    office: str | None,
    create_units: bool,
    principal: Principal,
    again: bool = False,
    check_only: bool = False,
) -> dict[str, Any]:
    """The import's options as the caller may set them: another office only for callers who
    see every office, new units only for CS managers and admins; a file already imported
    again, and a check that saves nothing, for anyone who may import."""
    return {
        "office": ((office or "").strip() or None) if principal.all_offices else None,
        "create_units": create_units and principal.role in (ADMIN, CS_MANAGER),
        "again": again,
        "check_only": check_only,
    }


def begin(
    engine: Engine,
    *,
    upload: IO[bytes],
    filename: str,
    limit: int,
    principal: Principal,
    chosen: dict[str, Any],
) -> int:
    """Save the upload, record the import and start it in the background; the import's id.
    Refuses a file over ``limit`` bytes with the page's message."""
    saved = save(upload, filename, limit)
    if saved is None:
        raise Invalid(TOO_BIG.format(mb=limit // 1024 // 1024), field="file")
    import_id = import_jobs.start(engine, file=saved.name, principal=principal)
    start(engine, saved, principal, import_id, chosen)
    return import_id


def _processes() -> ForkServerContext | SpawnContext:
    """Where import processes come from: a fork server that has loaded the importer once, so
    each import starts in a moment instead of loading minwon anew, and is forked from a process
    that holds no threads, connections or requests of this server."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["minwon.voices.importer"])
    return context


def start(
    engine: Engine, path: Path, principal: Principal, import_id: int, chosen: dict[str, Any]
) -> None:
    """Run the import in a process of its own; a thread waits for it and removes the file."""
    url = engine.url.render_as_string(hide_password=False)
    process = _processes().Process(
        target=_run, args=(url, path, principal, import_id, chosen), name=f"import-{import_id}"
    )
    process.start()

    def tidy() -> None:
        process.join()
        shutil.rmtree(path.parent, ignore_errors=True)

    threading.Thread(target=tidy, name=f"import-{import_id}-wait", daemon=True).start()


def _run(url: str, path: Path, principal: Principal, import_id: int, chosen: dict) -> None:
    """The import process: import the file under the record made for it."""
    engine = make_engine(url)
    try:
        import_file(engine=engine, path=path, principal=principal, import_id=import_id, **chosen)
    except Exception:
        log.exception("import %s failed", import_id)
    finally:
        engine.dispose()
