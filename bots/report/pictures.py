"""Pictures a report carries inside itself: a file of the run folder as a data URI.

It knows the picture types the runner writes (JPEG, PNG); it does not know which picture a
report shows or where.
"""

from __future__ import annotations

import base64
from pathlib import Path

TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


def data_uri(file: Path) -> str | None:
    """``data:image/…;base64,…`` for a picture file, or None when it is missing or of
    another type."""
    kind = TYPES.get(file.suffix.lower())
    if kind is None or not file.is_file():
        return None
    return f"data:{kind};base64," + base64.b64encode(file.read_bytes()).decode("ascii")
