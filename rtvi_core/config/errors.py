"""Bot-file errors: one :class:`ConfigIssue` per problem, all raised together.

Every issue names the file, the key path (``llm.token_delay``, ``actions[0].city``),
the plugin when one is involved and what was expected, e.g.::

    bot.toml: llm.token_delay: llm plugin 'echo': expected a number, got 'fast'

This module needs neither pydantic nor the plugin system: it only reads the
error dicts pydantic produces (``ValidationError.errors()``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a bot file.

    ``path`` is the dotted key path (empty for the whole file), ``plugin`` says which
    plugin's parameters were being checked (``"llm plugin 'echo'"``) or is empty.
    """

    file: str
    path: str
    message: str
    plugin: str = ""

    def __str__(self) -> str:
        parts = [self.file]
        if self.path:
            parts.append(self.path)
        if self.plugin:
            parts.append(self.plugin)
        parts.append(self.message)
        return " ".join(": ".join(parts).splitlines())  # one line per issue, whatever a plugin says


class BotFileError(Exception):
    """A bot file is invalid; ``issues`` lists every problem found (one per line in ``str``)."""

    def __init__(self, issues: Sequence[ConfigIssue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


#: Longest key or string value an error message repeats whole.
MAX_SHOWN = 80


def clip(text: str, quote: bool = False) -> str:
    """``text`` (``repr`` when ``quote``), or its start and its length when over ``MAX_SHOWN``."""
    shown = text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 20]
    shown = repr(shown) if quote else shown
    return shown if len(text) <= MAX_SHOWN else f"{shown}... ({len(text)} characters)"


def key_path(parts: Iterable[str | int]) -> str:
    """``("actions", 0, "city")`` → ``"actions[0].city"``; each key clipped to ``MAX_SHOWN``,
    and quoted with escapes when empty or not printable."""
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            part = clip(str(part))
            if not part or not part.isprintable():
                part = json.dumps(part)
            path += f".{part}" if path else part
    return path


def describe_value(value: Any) -> str:
    """A value as a TOML user would recognise it: ``'fast'``, ``3``, ``true``, ``a table``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return clip(value, quote=True)
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, (list, tuple)):
        return "a list"
    return str(value)


# pydantic error type -> what was expected
_EXPECTED = {
    "float_parsing": "a number",
    "float_type": "a number",
    "int_parsing": "an integer",
    "int_type": "an integer",
    "int_from_float": "an integer",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "a string",
    "list_type": "a list",
    "tuple_type": "a list",
    "set_type": "a list",
    "dict_type": "a table",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "dataclass_type": "a table",
}

_PREFIX = "Input should be "


def readable_error(error: Mapping[str, Any], allowed_keys: Sequence[str] = ()) -> str:
    """One pydantic error dict as a short sentence (``expected a number, got 'fast'``).

    ``allowed_keys`` is listed for an unknown (``extra_forbidden``) key.
    """
    kind = error.get("type", "")
    got = describe_value(error.get("input"))
    if kind == "missing":
        return "missing required key"
    if kind == "extra_forbidden":
        allowed = ", ".join(sorted(allowed_keys)) or "none"
        return f"unknown key; allowed keys: {allowed}"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {got}"
    if kind in ("literal_error", "enum"):
        return f"expected {error.get('ctx', {}).get('expected', 'one of the allowed values')}, got {got}"
    message = str(error.get("msg", "invalid value"))
    if message.startswith(_PREFIX):
        expected = message[len(_PREFIX) :]
        if not expected.startswith(("a ", "an ", "'", "one of")):
            expected = f"a value {expected}"  # "greater than 0" and the like
        return f"expected {expected}, got {got}"
    return message[:1].lower() + message[1:] if message[1:2].islower() else message
