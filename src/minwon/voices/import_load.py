"""Loading a checked import into the ledger without holding it.

1. ``reserve`` — one short transaction, the import's point of no return: the new units of
   ``--create-units`` are made, and every (unit, year) of the file takes its block of ledger
   numbers from its counter at once (in a fixed order, so two imports never deadlock), exactly
   as many as the file has rows there. Intake goes on numbering after the block.
2. ``load`` — the staged rows become voices a batch per short transaction (voice, contact,
   answer, history events, a place in the analysis queue, and the staged rows deleted — all
   together), sized to take about ``BATCH_SECONDS``, with a pause between batches on SQLite so
   waiting writers get the database (``db.Yielding``). Each row's number is fixed by its staged
   place among the rows of its unit and year, so a batch cannot collide with anything: every
   value was checked and every number is already the import's. A load interrupted by a crash
   resumes where it stopped (``minwon worker`` takes up a load nobody has advanced for
   ``import_jobs.STALE``), and the numbers end without a gap.

Nothing is sent: an imported voice gets its answer as already sent, with an ``imported`` event
and no ``answer_sent`` event, so no mail and no survey invitation ever follows from it.
"""

import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from minwon import leases
from minwon.analysis import backlog
from minwon.db import Yielding, insert_rows, session_factory, write_session
from minwon.errors import Conflict
from minwon.org import service as org_service
from minwon.org.security import token_digest
from minwon.timeutil import KST, as_aware, to_kst, utcnow
from minwon.voices import import_overlap, ledger
from minwon.voices.catalog import ANSWERED, CLOSED, RECEIVED
from minwon.voices.import_lookup import NewUnit
from minwon.voices.models import (
    Answer,
    Voice,
    VoiceContact,
    VoiceEvent,
    VoiceImport,
    VoiceImportRow,
)

BATCH_SECONDS = 0.25
FIRST_BATCH = 200
MIN_BATCH = 20
MAX_BATCH = 5000

LOADING, LOADED = import_overlap.LOADING, import_overlap.LOADED


@dataclass(frozen=True)
class Earlier:
    """An earlier import of the same file that reached the ledger."""

    import_id: int
    at: datetime
    voices: int


def earlier_import(db: Session, *, digest: str, import_id: int) -> Earlier | None:
    """The earliest other import of the file with this SHA-256 whose voices reached the ledger
    (``loading`` or ``loaded``): a file that failed its check wrote nothing, so bringing it
    again is no repeat."""
    query = (
        select(VoiceImport)
        .where(
            VoiceImport.digest == digest,
            VoiceImport.id != import_id,
            VoiceImport.state.in_((LOADING, LOADED)),
        )
        .order_by(VoiceImport.id)
    )
    job = db.scalars(query).first()
    if job is None:
        return None
    return Earlier(job.id, as_aware(job.finished_at or job.created_at), job.rows_loaded)


def already_imported(earlier: Earlier) -> str:
    """Why a file already imported is not imported again, and how to do it anyway."""
    return (
        f"이 파일은 {to_kst(earlier.at):%Y-%m-%d %H:%M}에 이미 가져왔습니다(가져오기 "
        f"#{earlier.import_id}, 민원 {earlier.voices:,}건). 같은 민원이 두 번 들어가지 않도록 "
        "아무것도 가져오지 않았습니다. 정말 다시 가져오려면 가져오기 화면의 '이미 가져온 "
        "파일이어도 다시 가져옵니다'를 켜거나 명령에 --again을 붙이세요."
    )


def reserve(
    engine: Engine,
    *,
    import_id: int,
    counts: dict[tuple[str, int], int],
    new_units: dict[str, NewUnit],
    once: str = "",
) -> None:
    """Create the planned units and take every (unit, year)'s block of ledger numbers —
    ``counts`` says how many rows the file has there — in one short transaction; afterwards
    the import only loads what it reserved.

    Reservations take turns. With ``once`` (the file's SHA-256, unless the import is asked
    again), this import is refused (``Conflict``, nothing reserved) when another import of
    the same file reserved first — two imports of one file started together both pass their
    checks — or when imports reserved or loaded since this one began hold some of its rows
    (``import_overlap``): of two overlapping files imported together, the second to reserve
    is refused. These checks run before any counter is taken, so intake never waits on them.
    """
    with write_session(engine) as db:
        leases.serialize(db, "voice-import-reserve")
        job = _locked(db, import_id)
        if once and (earlier := earlier_import(db, digest=once, import_id=import_id)):
            raise Conflict(already_imported(earlier))
        if once and (overlap := import_overlap.concurrent_overlap(db, job)):
            raise Conflict(import_overlap.overlap_message(overlap))
        units = _units(db, counts, new_units)
        plan = []
        for (unit_id, year), (code, count) in sorted(units.items()):
            first = ledger.take_sequences(db_session=db, unit_id=unit_id, year=year, count=count)
            plan.append({"unit": code, "unit_id": unit_id, "year": year, "first": first})
        job.plan, job.state, job.updated_at = plan, LOADING, utcnow()


def _units(
    db: Session, counts: dict[tuple[str, int], int], new_units: dict[str, NewUnit]
) -> dict[tuple[int, int], tuple[str, int]]:
    """(unit id, year) → (unit code, rows) for the staged rows; planned units are created."""
    ids = {code: _unit_id(db, code, new_units.get(code)) for code in {c for c, _ in counts}}
    return {(ids[code], year): (code, n) for (code, year), n in counts.items()}


def _unit_id(db: Session, code: str, new: NewUnit | None) -> int:
    existing = {u.code: u for u in org_service.list_units(db_session=db)}.get(code)
    if new is None:
        if existing is None:
            raise Conflict(f"부서 '{code}'가 가져오는 동안 없어졌습니다. 다시 가져오세요.")
        return existing.id
    if existing is not None:
        if existing.office_id != new.office_id:
            raise Conflict(f"새 부서 '{code}'를 다른 기관에서 먼저 만들었습니다. 다시 가져오세요.")
        if existing.name != new.name:
            raise Conflict(f"새 부서 코드 '{code}'를 다른 부서가 먼저 썼습니다. 다시 가져오세요.")
        return existing.id
    office = org_service.get_office(db_session=db, office_id=new.office_id)
    return org_service.create_unit(db_session=db, office=office, code=code, name=new.name).id


def _locked(db: Session, import_id: int) -> VoiceImport:
    """The import's row, locked on PostgreSQL so two loaders take turns (and the second finds
    the rows already loaded); SQLite's write transaction already serialises them."""
    query = select(VoiceImport).where(VoiceImport.id == import_id).with_for_update()
    return db.scalars(query).one()


@dataclass
class _Batches:
    """Batch size steered towards ``BATCH_SECONDS`` per transaction."""

    size: int = field(default_factory=lambda: min(FIRST_BATCH, MAX_BATCH))

    def adjust(self, rows: int, seconds: float) -> None:
        """Size the next batch from how long this one took."""
        wanted = int(rows * BATCH_SECONDS / seconds) if seconds > 0 else 2 * self.size
        if rows >= self.size:
            self.size = min(wanted, 2 * self.size)
        elif seconds > BATCH_SECONDS:
            self.size = wanted
        self.size = min(MAX_BATCH, max(MIN_BATCH, self.size))


def load(
    engine: Engine,
    *,
    import_id: int,
    progress: Callable[[int], None] | None = None,
    pause: Callable[[], None] | None = None,
) -> int:
    """Turn the import's staged rows into voices, batch by batch; returns the voices loaded
    (all of them once it returns). ``progress(loaded)`` follows every batch.

    Each batch is read and prepared before its write transaction, which then only inserts
    (and first checks that no other loader took those rows meanwhile)."""
    with Yielding(engine) as yielding:
        return _load(engine, import_id, progress, pause or yielding)


def _load(
    engine: Engine,
    import_id: int,
    progress: Callable[[int], None] | None,
    pause: Callable[[], None],
) -> int:
    batches = _Batches()
    with session_factory(engine)() as db:
        job = db.get_one(VoiceImport, import_id)
    while True:
        staged = _next_rows(engine, import_id, batches.size)
        batch = _prepare(job, staged)
        started = time.monotonic()
        with write_session(engine) as db:
            current = _locked(db, import_id)
            if current.state != LOADING:
                return current.rows_loaded
            if _first_position(db, import_id) != (staged[0].position if staged else None):
                continue  # another loader took these rows meanwhile: read again
            if not staged:
                _finish(current)
                return current.rows_loaded
            _write(db, batch)
            current.rows_loaded += len(staged)
            current.updated_at = utcnow()
            loaded = current.rows_loaded
        batches.adjust(len(staged), time.monotonic() - started)
        if progress is not None:
            progress(loaded)
        pause()


def _finish(job: VoiceImport) -> None:
    job.state, job.finished_at = LOADED, utcnow()
    job.updated_at = job.finished_at


@dataclass(frozen=True)
class _Staged:
    position: int
    unit_code: str
    year: int
    ordinal: int
    data: dict[str, Any]


def _next_rows(engine: Engine, import_id: int, limit: int) -> list[_Staged]:
    t = VoiceImportRow.__table__.c
    query = (
        select(t.position, t.unit_code, t.year, t.ordinal, t.data)
        .where(t.import_id == import_id)
        .order_by(t.position)
        .limit(limit)
    )
    with session_factory(engine)() as db:
        return [_Staged(*row) for row in db.execute(query)]


def _first_position(db: Session, import_id: int) -> int | None:
    query = select(func.min(VoiceImportRow.position)).where(VoiceImportRow.import_id == import_id)
    return db.scalar(query)


@dataclass
class _Batch:
    """One batch's rows, made before its write transaction; the rows that refer to a voice
    get its id inside it."""

    import_id: int
    last_position: int
    voices: list[dict[str, Any]]
    events: list[list[dict[str, Any]]]
    """Two per voice: received, imported."""
    answers: list[dict[str, Any] | None]
    contacts: list[dict[str, Any] | None]
    addressed: list[bool]


def _prepare(job: VoiceImport, staged: list[_Staged]) -> _Batch:
    numbers = {(p["unit"], p["year"]): (p["unit_id"], p["first"]) for p in job.plan}
    unit_codes = {p["unit_id"]: p["unit"] for p in job.plan}
    now = utcnow()
    voices = [_voice_row(s, numbers, job, now) for s in staged]
    datas = [s.data for s in staged]
    actor = {"actor_id": job.created_by_id, "actor_label": job.actor_label, "at": now}
    return _Batch(
        import_id=job.id,
        last_position=staged[-1].position if staged else -1,
        voices=voices,
        events=[
            _events(v, d, actor, unit_codes, job.file) for v, d in zip(voices, datas, strict=True)
        ],
        answers=[_answer(d) if d["answered"] else None for d in datas],
        contacts=[_contact(d["contact"]) if d["contact"] else None for d in datas],
        addressed=[bool(d["addressed"]) for d in datas],
    )


def _when(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _write(db: Session, batch: _Batch) -> None:
    """One batch: the voices, then everything that refers to them, then the staged rows go."""
    insert_rows(db, Voice, batch.voices)
    ids = _ids(db, [r["ledger_no"] for r in batch.voices])
    events = [e for per_voice in batch.events for e in per_voice]
    insert_rows(db, VoiceEvent, _referring([i for i in ids for _ in (0, 1)], events))
    insert_rows(db, Answer, _referring(ids, batch.answers))
    insert_rows(db, VoiceContact, _referring(ids, batch.contacts))
    queued = zip(ids, batch.addressed, strict=True)
    backlog.queue(db_session=db, items=(backlog.Queued(i, batch.import_id, a) for i, a in queued))
    gone = delete(VoiceImportRow).where(
        VoiceImportRow.import_id == batch.import_id,
        VoiceImportRow.position <= batch.last_position,
    )
    db.execute(gone, execution_options={"synchronize_session": False})


def _referring(ids: list[int], rows: Sequence[dict[str, Any] | None]) -> list[dict[str, Any]]:
    """Rows that refer to a voice, given its id (None: that voice has no such row)."""
    return [{**r, "voice_id": i} for i, r in zip(ids, rows, strict=True) if r is not None]


def _ids(db: Session, ledger_nos: list[str]) -> list[int]:
    """The ids of the voices just inserted, in the order of their numbers."""
    query = select(Voice.ledger_no, Voice.id).where(Voice.ledger_no.in_(ledger_nos))
    found = {no: int(voice_id) for no, voice_id in db.execute(query)}
    return [found[no] for no in ledger_nos]


def _voice_row(
    staged: _Staged,
    numbers: dict[tuple[str, int], tuple[int, int]],
    job: VoiceImport,
    now: datetime,
) -> dict[str, Any]:
    d = staged.data
    unit_id, first = numbers[(staged.unit_code, staged.year)]
    seq = first + staged.ordinal
    answered = _when(d["answered"])
    return {
        "office_id": d["office"],
        "unit_id": unit_id,
        "ledger_year": staged.year,
        "ledger_seq": seq,
        "ledger_no": ledger.format_number(staged.unit_code, staged.year, seq),
        "kind": d["kind"],
        "channel": d["channel"],
        "title": d["title"],
        "body": d["body"],
        "category_id": d["category"],
        "status": d["status"],
        "received_at": _when(d["received"]),
        "created_at": now,
        "updated_at": now,
        "period_days": d["period"],
        "due_at": _when(d["due"]),
        "dong": d["dong"],
        "address": d["address"],
        "created_by_id": job.created_by_id,
        "answered_at": answered if d["status"] in (ANSWERED, CLOSED) else None,
        "closed_at": answered if d["status"] == CLOSED else None,
        "receipt_secret_hash": token_digest(secrets.token_hex(16)),
    }


def _events(
    voice: dict[str, Any],
    d: dict[str, Any],
    actor: dict[str, Any],
    unit_codes: dict[int, str],
    file: str,
) -> list[dict[str, Any]]:
    """A voice's history: received (as intake writes it), then imported (from the file)."""
    received = {
        "status": RECEIVED,
        "unit": unit_codes[voice["unit_id"]],
        "ledger_no": voice["ledger_no"],
    }
    return [
        {**actor, "kind": "received", "before": {}, "after": received, "note": ""},
        {**actor, **_imported(d, file)},
    ]


def _imported(d: dict[str, Any], file: str) -> dict[str, Any]:
    after: dict[str, Any] = {"status": d["status"], "file": file, "line": d["line"]}
    if d["status_text"]:
        after["original_status"] = d["status_text"]
    if d["answered"]:
        after["answered_at"] = datetime.fromisoformat(d["answered"]).astimezone(KST).isoformat()
    note = f"{file} {d['line']}행에서 가져옴"
    note += f" (원본 상태: {d['status_text']})" if d["status_text"] else ""
    return {"kind": "imported", "before": {"status": RECEIVED}, "after": after, "note": note}


def _answer(d: dict[str, Any]) -> dict[str, Any]:
    at = _when(d["answered"])
    return {
        "body": d["answer"],
        "status": "sent",
        "created_at": at,
        "approved_at": at,
        "sent_at": at,
    }


def _contact(contact: list[Any]) -> dict[str, Any]:
    name, phone, email, consent = contact
    return {"name": name, "phone": phone, "email": email, "consent": consent}
