"""Uploaded files (certificates, receipts): checked by content, size-limited, random names.

Files live under ``<instance>/uploads/<folder>/`` (``UPLOAD_FOLDER`` overrides
``<instance>/uploads``), outside the web root, and are served only through
views that check who asks. The user's own file name is never used on disk.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from werkzeug.security import safe_join

from app.common.errors import InvalidInput

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class FileKind:
    extension: str
    mimetype: str
    magic: bytes


#: The accepted kinds, recognised by their first bytes (the name is never trusted).
KINDS = (
    FileKind(".pdf", "application/pdf", b"%PDF-"),
    FileKind(".png", "image/png", b"\x89PNG\r\n\x1a\n"),
    FileKind(".jpg", "image/jpeg", b"\xff\xd8\xff"),
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def kind_of(content: bytes) -> FileKind | None:
    """The kind of a file from its first bytes, or None when it is not PDF, PNG or JPEG."""
    return next((kind for kind in KINDS if content.startswith(kind.magic)), None)


def kind_for_path(path: str) -> FileKind:
    """The kind of a stored file from the extension we gave it."""
    extension = os.path.splitext(path)[1].lower()
    return next((k for k in KINDS if k.extension == extension), KINDS[0])


def read_upload(stream: BinaryIO, field: str) -> tuple[bytes, FileKind]:
    """Read an uploaded file; `InvalidInput` on ``field`` if too large, empty or of a wrong kind."""
    content = stream.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise InvalidInput(
            "The file is too large. It can be at most 5 MB. "
            "Take a smaller photo or save the document as a smaller PDF.",
            code="file_too_large", field=field,
        )
    kind = kind_of(content)
    if not content or kind is None:
        raise InvalidInput(
            "This file type is not accepted. Send a PDF file or a photo (PNG or JPEG).",
            code="file_type_not_allowed", field=field,
        )
    return content, kind


def display_filename(original: str | None, kind: FileKind, default: str = "file") -> str:
    """A safe name for downloading: the user's name without folders, with the right extension."""
    name = os.path.basename((original or "").replace("\\", "/"))
    stem = _CONTROL.sub("", os.path.splitext(name)[0]).strip()[:100] or default
    return stem + kind.extension


def upload_root() -> str:
    return current_app.config.get("UPLOAD_FOLDER") or os.path.join(
        current_app.instance_path, "uploads"
    )


def store_upload(content: bytes, kind: FileKind, folder: str) -> str:
    """Write the file under a random name; returns its path relative to the upload root."""
    os.makedirs(os.path.join(upload_root(), folder), mode=0o700, exist_ok=True)
    relative = f"{folder}/{secrets.token_hex(16)}{kind.extension}"
    with open(os.path.join(upload_root(), relative), "xb") as handle:
        handle.write(content)
    return relative


def stored_path(relative: str) -> str | None:
    """The absolute path of a stored file, or None if it is missing or outside the upload root."""
    path = safe_join(upload_root(), relative)
    return path if path and os.path.isfile(path) else None


def remove_stored(relative: str | None) -> None:
    """Delete a stored file (after the change that replaced it has been committed)."""
    path = stored_path(relative) if relative else None
    if path:
        os.remove(path)
