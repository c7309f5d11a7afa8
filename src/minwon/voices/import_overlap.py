"""Two overlapping files imported at the same moment (January to March and March to May,
started together): each file's check looks its rows up in the ledger (``import_known``) before
the other file has put its rows there, so neither would see the voices they share, and March
would be recorded twice.

The reservation (``import_load.reserve``) therefore runs one import at a time and, when another
import reserved or loaded since this one began, looks again: a staged row that is now in the
ledger, or staged by an import still loading, is a voice the check could not see. Such an
import is refused whole; brought again once the other has loaded, its check leaves those rows
out and names them, as for any overlapping export.
"""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from minwon.voices.import_known import Candidate, KnownVoices
from minwon.voices.models import VoiceImport, VoiceImportRow

LOADING, LOADED = "loading", "loaded"  # the states of an import whose voices reach the ledger
_CHUNK = 2000  # staged rows read together


@dataclass(frozen=True)
class Overlap:
    """Rows of this import that other imports of the same moment hold too."""

    rows: int
    imports: tuple[int, ...]


def concurrent_overlap(db: Session, job: VoiceImport) -> Overlap | None:
    """The rows of ``job`` that imports reserved or loaded since it began hold too (in the
    ledger now, or still staged by an import loading), or None when there are none."""
    others = _since(db, job)
    if not others:
        return None
    theirs = _staged_keys(db, [o.id for o in others if o.state == LOADING])
    known = KnownVoices(db)
    shared = 0
    for rows in _staged_chunks(db, job.id):
        found = known.numbers(rows)
        shared += sum(n is not None or _key(r) in theirs for r, n in zip(rows, found, strict=True))
    return Overlap(shared, tuple(o.id for o in others)) if shared else None


def overlap_message(overlap: Overlap) -> str:
    """Why the import was refused, and what to do."""
    ids = ", ".join(f"#{i}" for i in overlap.imports)
    return (
        f"같은 때에 가져온 다른 가져오기({ids})에 이 파일의 행 {overlap.rows:,}개가 함께 있어, "
        "같은 민원이 두 번 들어가지 않도록 아무것도 가져오지 않았습니다. 그 가져오기가 끝난 뒤 "
        "이 파일을 다시 가져오면 이미 장부에 있는 행은 건너뜁니다."
    )


def _since(db: Session, job: VoiceImport) -> list[VoiceImport]:
    """Other imports whose voices may have reached the ledger after ``job`` began: those
    loading, and those that finished loading since."""
    query = (
        select(VoiceImport)
        .where(
            VoiceImport.id != job.id,
            or_(
                VoiceImport.state == LOADING,
                (VoiceImport.state == LOADED) & (VoiceImport.finished_at >= job.created_at),
            ),
        )
        .order_by(VoiceImport.id)
    )
    return list(db.scalars(query))


def _staged_chunks(db: Session, import_id: int) -> Iterator[list[Candidate]]:
    """The import's staged rows as ledger look-up keys, ``_CHUNK`` at a time."""
    t = VoiceImportRow.__table__.c
    after = -1
    while True:
        query = (
            select(t.position, t.data)
            .where(t.import_id == import_id, t.position > after)
            .order_by(t.position)
            .limit(_CHUNK)
        )
        found = db.execute(query).all()
        if not found:
            return
        after = found[-1].position
        yield [_candidate(data) for _, data in found]


def _staged_keys(db: Session, import_ids: list[int]) -> set[bytes]:
    """Digests of the rows these imports still hold staged (read before the ledger, so a row
    that moves to the ledger meanwhile is seen in one place or the other)."""
    keys: set[bytes] = set()
    for import_id in import_ids:
        for rows in _staged_chunks(db, import_id):
            keys.update(_key(r) for r in rows)
    return keys


def _candidate(data: dict[str, object]) -> Candidate:
    received = datetime.fromisoformat(str(data["received"]))
    return (int(str(data["office"])), received, str(data["title"]), str(data["body"]))


def _key(row: Candidate) -> bytes:
    office_id, received, title, body = row
    text = f"{office_id}\x00{received.isoformat()}\x00{title}\x00{body}"
    return hashlib.blake2b(text.encode(), digest_size=16).digest()
