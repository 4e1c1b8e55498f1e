"""Control characters in user text: refused everywhere, once.

NUL cannot be stored in a PostgreSQL text column at all (SQLite would store it), and the
other C0/C1 control characters and lone surrogates are never typed on purpose; tab,
line feed and carriage return are ordinary text.
"""

from __future__ import annotations

import re

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def first_bad_text(value, path: str = "") -> str | None:
    """The path (``a.b[2]``) of the first string or key in a JSON value that holds a
    control character, or None; ``path`` names the value itself."""
    if isinstance(value, str):
        return path if has_control_characters(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if has_control_characters(str(key)):
                return name
            found = first_bad_text(item, name)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = first_bad_text(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None
