"""Training certificates on disk: the shared upload rules (`app.common.uploads`) with the
certificate's own folder, field name and download name.

Files live under ``<instance>/uploads/certificates/`` (``UPLOAD_FOLDER`` overrides
``<instance>/uploads``), outside the web root; they are only served through a
view that checks who asks.
"""

from __future__ import annotations

from typing import BinaryIO

from app.common import uploads
from app.common.uploads import (  # noqa: F401  (re-exported for the expert pages)
    KINDS,
    FileKind,
    kind_for_path,
    kind_of,
    remove_stored,
    stored_path,
    upload_root,
)

MAX_CERTIFICATE_BYTES = uploads.MAX_UPLOAD_BYTES
CERTIFICATE_DIR = "certificates"


def read_certificate(stream: BinaryIO) -> tuple[bytes, FileKind]:
    """Read an uploaded certificate; `InvalidInput` when too large, empty or of a wrong kind."""
    return uploads.read_upload(stream, "certificate")


def display_filename(original: str | None, kind: FileKind) -> str:
    """A safe name for downloading: the user's name without folders, with the right extension."""
    return uploads.display_filename(original, kind, default="certificate")


def store_certificate(content: bytes, kind: FileKind) -> str:
    """Write the file under a random name; returns its path relative to the upload root."""
    return uploads.store_upload(content, kind, CERTIFICATE_DIR)
