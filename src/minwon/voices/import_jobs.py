"""Imports as people follow them: each import's state and progress (rows checked, voices loaded,
analyses made), its report and who may see it; and taking up the imports a crash left behind
(``minwon worker`` calls ``recover`` every round)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from minwon.analysis import backlog
from minwon.db import session_factory, write_session
from minwon.errors import NotFound
from minwon.org.roles import Principal
from minwon.timeutil import as_aware, utcnow
from minwon.voices import import_load, import_stage
from minwon.voices.import_report import ImportIssue, ImportReport
from minwon.voices.models import VoiceImport

CHECKING, FAILED, CHECKED = "checking", "failed", "checked"
LOADING, LOADED = import_load.LOADING, import_load.LOADED
STALE = timedelta(minutes=5)
"""An import nobody advanced for this long was interrupted (its process died)."""

INTERRUPTED = "가져오기가 확인 중에 중단되었습니다. 아무것도 저장하지 않았습니다. 다시 가져오세요."


def start(engine: Engine, *, file: str, principal: Principal) -> int:
    """Record a new import by ``principal`` (state ``checking``); returns its id."""
    with write_session(engine) as db:
        job = VoiceImport(
            file=file[:255],
            office_id=principal.office_id,
            created_by_id=principal.staff_id,
            actor_label=principal.name if principal.is_staff else "민원인",
            state=CHECKING,
        )
        db.add(job)
        db.flush()
        return job.id


def record_digest(
    engine: Engine, *, import_id: int, digest: str, file_format: str
) -> import_load.Earlier | None:
    """Keep the file's SHA-256 and format on its import (its page names the format while it
    loads), and return the earliest other import of the same file whose voices reached the
    ledger, if any (``import_load.earlier_import``)."""
    with write_session(engine) as db:
        job = db.get_one(VoiceImport, import_id)
        job.digest, job.file_format = digest, file_format
        return import_load.earlier_import(db, digest=digest, import_id=import_id)


def close(engine: Engine, *, import_id: int, report: ImportReport) -> None:
    """Store the report; an import that failed before its numbers were reserved is marked
    failed and its staged rows are deleted (nothing of it reached the ledger)."""
    with write_session(engine) as db:
        job = db.get_one(VoiceImport, import_id)
        job.report = _stored(report)
        job.file_format = report.file_format
        job.error_count = report.error_count
        job.rows_checked = report.rows_read
        job.updated_at = utcnow()
        failed = job.state == CHECKING
        if failed:
            checked = report.check_only and report.ok
            job.state, job.finished_at = CHECKED if checked else FAILED, job.updated_at
    if failed:
        import_stage.discard(engine, import_id)


def keep_report(engine: Engine, *, import_id: int, report: ImportReport) -> None:
    """Store the report as it stands, so the import's page knows the checked file's outcome
    (rows left out as already in the ledger) while its voices are being saved."""
    with write_session(engine) as db:
        db.get_one(VoiceImport, import_id).report = _stored(report)


def _stored(report: ImportReport) -> dict[str, Any]:
    return {
        "errors": [list(e) for e in report.errors],
        "bad_lines": len(report.bad_lines),
        "ignored_columns": report.ignored_columns,
        "units_created": report.units_created,
        "skipped": report.skipped_count,
        "answered_rows": report.answered_rows,
        "open_rows": report.open_rows,
        "overdue_rows": report.overdue_rows,
        "skipped_rows": [list(s) for s in report.skipped],
        "rows_read": report.rows_read,
        "resumable": report.resumable,
    }


def state_of(engine: Engine, *, import_id: int) -> str:
    """An import's state as stored now (``checking``, ``failed``, ``loading``, ``loaded``)."""
    with session_factory(engine)() as db:
        return db.get_one(VoiceImport, import_id).state


@dataclass(frozen=True)
class ImportStatus:
    """Where an import stands, as its page and ``minwon imports`` show it."""

    id: int
    file: str
    file_format: str
    state: str
    actor: str
    created_at: datetime
    finished_at: datetime | None
    rows_total: int
    rows_checked: int
    rows_loaded: int
    waiting_analysis: int
    error_count: int
    errors: list[ImportIssue] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    units_created: list[str] = field(default_factory=list)
    skipped: int = 0
    skipped_rows: list[tuple[int, str]] = field(default_factory=list)
    answered_rows: int = 0
    open_rows: int = 0
    overdue_rows: int = 0

    @property
    def analysed(self) -> int:
        """Loaded voices whose analysis is made."""
        return max(self.rows_loaded - self.waiting_analysis, 0)

    @property
    def to_save(self) -> int:
        """The rows that become (or, checked only, would become) voices: every row read but
        those already in the ledger."""
        return max(self.rows_total - self.skipped, 0)

    @property
    def active(self) -> bool:
        """Still checking, loading, or waiting for the worker's analysis."""
        return self.state in (CHECKING, LOADING) or (
            self.state == LOADED and self.waiting_analysis > 0
        )


def _statuses(db: Session, jobs: Sequence[VoiceImport]) -> list[ImportStatus]:
    waiting = backlog.waiting(db_session=db, import_ids=[j.id for j in jobs])
    return [_status(j, waiting.get(j.id, 0)) for j in jobs]


def _status(job: VoiceImport, waiting: int) -> ImportStatus:
    report = job.report or {}
    return ImportStatus(
        id=job.id,
        file=job.file,
        file_format=job.file_format,
        state=job.state,
        actor=job.actor_label,
        created_at=as_aware(job.created_at),
        finished_at=as_aware(job.finished_at) if job.finished_at else None,
        rows_total=max(job.rows_total, job.rows_checked),
        rows_checked=job.rows_checked,
        rows_loaded=job.rows_loaded,
        waiting_analysis=waiting,
        error_count=job.error_count,
        errors=[ImportIssue(*e) for e in report.get("errors", [])],
        ignored_columns=list(report.get("ignored_columns", [])),
        units_created=list(report.get("units_created", [])),
        skipped=int(report.get("skipped", 0)),
        skipped_rows=[(int(line), str(no)) for line, no in report.get("skipped_rows", [])],
        answered_rows=int(report.get("answered_rows", 0)),
        open_rows=int(report.get("open_rows", 0)),
        overdue_rows=int(report.get("overdue_rows", 0)),
    )


def _visible(query: Any, principal: Principal) -> Any:
    if principal.all_offices:
        return query
    return query.where(VoiceImport.office_id == principal.office_id)


def recent(*, db_session: Session, principal: Principal, limit: int = 20) -> list[ImportStatus]:
    """The newest imports the caller may see (their office's; every office for admins)."""
    query = _visible(select(VoiceImport), principal).order_by(VoiceImport.id.desc()).limit(limit)
    return _statuses(db_session, list(db_session.scalars(query)))


def get(*, db_session: Session, principal: Principal, import_id: int) -> ImportStatus:
    """One import the caller may see; another office's is simply not found."""
    query = _visible(select(VoiceImport), principal).where(VoiceImport.id == import_id)
    job = db_session.scalar(query) if 0 < import_id < 2**31 else None
    if job is None:
        raise NotFound("가져오기 기록을 찾을 수 없습니다.")
    return _statuses(db_session, [job])[0]


def recover(engine: Engine, *, now: datetime | None = None) -> int:
    """Take up imports whose process died: finish loading those past their point of no
    return, mark those that died while checking as failed (nothing was written). Returns how
    many were taken up."""
    since = (now or utcnow()) - STALE
    with session_factory(engine)() as db:
        stale = db.execute(
            select(VoiceImport.id, VoiceImport.state).where(
                VoiceImport.state.in_((CHECKING, LOADING)), VoiceImport.updated_at < since
            )
        ).all()
    for import_id, state in stale:
        if state == LOADING:
            import_load.load(engine, import_id=import_id)
        elif _give_up(engine, import_id, since):
            import_stage.discard(engine, import_id)
    return len(stale)


def _give_up(engine: Engine, import_id: int, since: datetime) -> bool:
    report = {"errors": [[None, "", INTERRUPTED]], "bad_lines": 0}
    with write_session(engine) as db:
        result = db.execute(
            update(VoiceImport)
            .where(
                VoiceImport.id == import_id,
                VoiceImport.state == CHECKING,
                VoiceImport.updated_at < since,
            )
            .values(state=FAILED, finished_at=utcnow(), error_count=1, report=report)
        )
    return bool(getattr(result, "rowcount", 0))
