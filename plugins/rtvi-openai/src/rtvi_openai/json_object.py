"""``parse_json_object``: JSON text that must hold an object, with a readable complaint."""

from __future__ import annotations

import json
from typing import Any


def parse_json_object(text: str, what: str) -> dict[str, Any]:
    """``text`` decoded, or ``ValueError``: "<what> is not JSON" / "is not a JSON object"."""
    try:
        value = json.loads(text)
    except ValueError:
        raise ValueError(f"{what} is not JSON: {text[:120]!r}") from None
    if not isinstance(value, dict):
        raise ValueError(f"{what} is not a JSON object: {text[:120]!r}")
    return value
