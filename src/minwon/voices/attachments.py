"""Files citizens attach to their voice on the public form (as on 국민신문고): photos, PDF,
office and Hangul documents, a few per voice, each under the upload limit.

Each file is read in chunks under the limit, its type sniffed from the bytes and checked
against the allow-list of ``minwon.web.files``, and stored with the voice in the intake
transaction. Like the contact details they are personal data: staff of the voice's office (and
admins) see and download them; roles that see only masked voices (HQ analysts) do not, and
staff of another office never reach them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert, literal, select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from minwon.errors import Forbidden, Invalid, NotFound
from minwon.org.roles import Principal
from minwon.voices import service
from minwon.voices.models import Voice, VoiceAttachment
from minwon.web.files import FileKind, checked_upload, read_upload

FIELD = "files"
"""The name of the file input on the public form."""


@dataclass(frozen=True)
class Incoming:
    """A checked file, ready to store with a new voice."""

    name: str
    kind: FileKind
    content: bytes


@dataclass(frozen=True)
class Listed:
    """An attachment as the voice page lists it (no bytes)."""

    id: int
    file_name: str
    content_type: str
    size: int


def chosen(values: Sequence[object]) -> list[UploadFile]:
    """The files actually chosen among a form's file parts (a browser sends an empty, nameless
    part when the input was left empty)."""
    return [v for v in values if isinstance(v, UploadFile) and v.filename]


async def read_all(uploads: Sequence[UploadFile], *, count: int, limit: int) -> list[Incoming]:
    """Every chosen file read under ``limit`` bytes and sniffed; ``Invalid`` (Korean, naming
    the file) for too many files, an empty, an oversized or a refused one."""
    if len(uploads) > count:
        raise Invalid(f"파일은 {count}개까지 첨부할 수 있습니다.", field=FIELD)
    incoming = []
    for upload in uploads:
        name = _shown_name(upload.filename or "")
        try:
            content = await read_upload(upload, limit, field=FIELD)
            if not content:
                raise Invalid("빈 파일입니다.", field=FIELD)
            kind = checked_upload(content, field=FIELD)
        except Invalid as exc:
            raise Invalid(f"{name}: {exc.message}", field=FIELD) from exc
        incoming.append(Incoming(name=name, kind=kind, content=content))
    return incoming


def _shown_name(filename: str) -> str:
    """The file's own name without any folder part, printable, at most 200 characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable()).strip()[:200] or "첨부파일"


def store(db: Session, *, voice: Voice, files: Sequence[Incoming]) -> None:
    """Keep ``files`` with ``voice`` (in the caller's transaction)."""
    for item in files:
        db.add(
            VoiceAttachment(
                voice_id=voice.id,
                file_name=item.name,
                content_type=item.kind.mime,
                size=len(item.content),
                content=item.content,
            )
        )
    db.flush()


def copy_to(db: Session, *, old: Voice, new: Voice) -> None:
    """A transferred voice keeps its attachments (copied in the database, not read here)."""
    columns = ("file_name", "content_type", "size", "content", "added_at")
    rows = select(literal(new.id), *(getattr(VoiceAttachment, c) for c in columns)).where(
        VoiceAttachment.voice_id == old.id
    )
    db.execute(insert(VoiceAttachment).from_select(["voice_id", *columns], rows))


def listed(db: Session, *, voice: Voice, principal: Principal) -> list[Listed]:
    """The voice's attachments for the voice page: none for roles that see masked voices."""
    if not principal.sees_personal_data:
        return []
    query = (
        select(
            VoiceAttachment.id,
            VoiceAttachment.file_name,
            VoiceAttachment.content_type,
            VoiceAttachment.size,
        )
        .where(VoiceAttachment.voice_id == voice.id)
        .order_by(VoiceAttachment.id)
    )
    return [Listed(*row) for row in db.execute(query)]


def fetch(
    db: Session, *, voice_id: int, attachment_id: int, principal: Principal
) -> VoiceAttachment:
    """One attachment with its bytes, for a download: the voice must be in the caller's reach
    (404/403 otherwise, as for the voice) and the caller must see personal data."""
    voice = service.get(db_session=db, voice_id=voice_id, principal=principal)
    if not principal.sees_personal_data:
        raise Forbidden("이 역할로는 민원인이 첨부한 파일을 볼 수 없습니다.")
    item = db.get(VoiceAttachment, attachment_id)
    if item is None or item.voice_id != voice.id:
        raise NotFound("파일을 찾을 수 없습니다.")
    return item
