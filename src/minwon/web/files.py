"""Files people upload and download: the type is sniffed from the bytes and checked against an
allow-list, uploads are read in chunks under a size limit, and downloads carry the original
name (RFC 5987 for Hangul, with an ASCII fallback).

The uploader's claimed ``Content-Type`` and file name extension are never trusted: a file that
says it is a photo but holds HTML, SVG or a program is refused, and a stored file is served
with the type its bytes show, ``nosniff`` and as an attachment, so no browser ever renders it
as a page of minwon's origin."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from urllib.parse import quote

import filetype  # type: ignore[import-untyped]
from starlette.datastructures import UploadFile
from starlette.responses import Response

from minwon.errors import Invalid

CHUNK = 64 * 1024


@dataclass(frozen=True)
class FileKind:
    """A type minwon accepts: its MIME type, usual extension and a Korean name."""

    mime: str
    ext: str
    label: str


IMAGE_KINDS = {
    "image/jpeg": FileKind("image/jpeg", "jpg", "JPEG 사진"),
    "image/png": FileKind("image/png", "png", "PNG 그림"),
    "image/gif": FileKind("image/gif", "gif", "GIF 그림"),
    "image/webp": FileKind("image/webp", "webp", "WebP 그림"),
    "image/heic": FileKind("image/heic", "heic", "HEIC 사진"),
    "application/pdf": FileKind("application/pdf", "pdf", "PDF 문서"),
}
OOXML_KINDS = {
    "word/document.xml": FileKind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "Word"
    ),
    "xl/workbook.xml": FileKind(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "Excel"
    ),
    "ppt/presentation.xml": FileKind(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pptx",
        "PowerPoint",
    ),
}
HWP = FileKind("application/x-hwp", "hwp", "한글(HWP)")
HWPX = FileKind("application/hwp+zip", "hwpx", "한글(HWPX)")
ALLOWED = (*IMAGE_KINDS.values(), *OOXML_KINDS.values(), HWP, HWPX)
"""Every accepted type: photos, PDF, Word/Excel/PowerPoint and Hangul documents."""

CFB_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")
HWP_SIGNATURE = b"HWP Document File"
REFUSED = (
    "이 형식의 파일은 받을 수 없습니다. 사진(JPEG·PNG·GIF·WebP·HEIC), PDF, "
    "워드·엑셀·파워포인트(docx·xlsx·pptx), 한글(HWP·HWPX) 파일만 올릴 수 있습니다."
)


def sniff(content: bytes) -> FileKind | None:
    """The accepted type ``content`` really is, judged from its bytes; None for anything else
    (HTML, SVG, scripts, programs, archives, unknown data)."""
    if content.startswith(CFB_SIGNATURE):
        return HWP if HWP_SIGNATURE in content[:65536] else None
    if content.startswith(b"PK\x03\x04"):
        return _zip_kind(content)
    guess = filetype.guess(content[:8192])
    return IMAGE_KINDS.get(guess.mime) if guess is not None else None


def _zip_kind(content: bytes) -> FileKind | None:
    """A zip container that is an Office Open XML document or a HWPX file."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype").strip() == b"application/hwp+zip":
                return HWPX
            if "[Content_Types].xml" not in names:
                return None
            return next((kind for part, kind in OOXML_KINDS.items() if part in names), None)
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


async def read_upload(upload: UploadFile, limit: int, *, field: str = "file") -> bytes:
    """The upload's bytes, read in chunks; ``Invalid`` (Korean) as soon as it passes
    ``limit``."""
    parts: list[bytes] = []
    size = 0
    while chunk := await upload.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise Invalid(f"파일은 {_size(limit)} 이하여야 합니다.", field=field)
        parts.append(chunk)
    return b"".join(parts)


def _size(limit: int) -> str:
    """A limit as a person reads it: 10MB, or 800 KB below a whole number of megabytes."""
    megabyte = 1024 * 1024
    if limit >= megabyte and limit % megabyte == 0:
        return f"{limit // megabyte}MB"
    return f"{max(1, limit // 1024):,}KB" if limit >= 1024 else f"{limit:,}바이트"


def checked_upload(content: bytes, *, field: str = "file") -> FileKind:
    """The sniffed type of ``content``; ``Invalid`` with a Korean message when it is not one
    minwon accepts."""
    kind = sniff(content)
    if kind is None:
        raise Invalid(REFUSED, field=field)
    return kind


_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._-]+")


def ascii_fallback(filename: str, default: str) -> str:
    """A plain ASCII name for clients without RFC 5987 (``default`` when nothing is left)."""
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    stem = _UNSAFE_ASCII.sub("_", plain).strip("._")
    return stem if stem and not stem.startswith(".") else default


def content_disposition(filename: str, fallback: str) -> str:
    """An attachment header: an ASCII name for old clients, the real (Korean) one per
    RFC 5987."""
    safe_fallback = _UNSAFE_ASCII.sub("_", fallback) or "download"
    return f"attachment; filename=\"{safe_fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download_name(original: str, kind: FileKind | None, default_stem: str) -> tuple[str, str]:
    """The name to offer (the original, its extension made to match the sniffed type) and its
    ASCII fallback (``default_stem`` with the extension when the name has no ASCII form)."""
    name = original.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()[:200] or default_stem
    ext = f".{kind.ext}" if kind is not None else ""
    if ext and not name.lower().endswith(ext):
        name += ext
    fallback = ascii_fallback(name, default_stem + ext)
    if not fallback.lower().endswith(ext) or fallback.lower() == ext.lstrip("."):
        fallback = default_stem + ext
    return name, fallback


def file_response(
    content: bytes, original: str, default_stem: str, *, cache: str | None = None
) -> Response:
    """A stored file as a download: the type its bytes show (not what the uploader claimed),
    ``nosniff``, never rendered inline, under its original name (RFC 5987)."""
    kind = sniff(content)
    name, fallback = download_name(original, kind, default_stem)
    headers = {
        "Content-Disposition": content_disposition(name, fallback),
        "X-Content-Type-Options": "nosniff",
    }
    if cache is not None:
        headers["Cache-Control"] = cache
    return Response(
        content, media_type=kind.mime if kind else "application/octet-stream", headers=headers
    )
