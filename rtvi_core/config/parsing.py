"""Bot-file text → TOML data, within limits: every failure a :class:`BotFileError`.

A bot file wires a few components: it is small. The limits keep the work per file
bounded whatever it holds, and each has its own error naming the file (and the key
where there is one):

* ``MAX_CHARS`` (1 MiB) of text; a file is read up to that much, as UTF-8;
* tables and lists nested at most ``MAX_DEPTH`` (32) levels (``tomllib`` itself recurses
  once per nested array or inline table and fails near 500 levels);
* at most ``MAX_VALUES`` (10,000) values in all its tables and lists;
* integers as long as Python converts (4,300 digits), as ``tomllib`` does.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from typing import Any

from .errors import BotFileError, ConfigIssue, key_path

MAX_CHARS = 1 << 20
MAX_DEPTH = 32
MAX_VALUES = 10_000

_TOML_POSITION = re.compile(r"\s*\(at (line \d+, column \d+|end of document)\)$")


def read_bot_file(path: str | os.PathLike[str]) -> str:
    """The text of the bot file at ``path`` (:class:`BotFileError` if unreadable, too big or not UTF-8)."""
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_CHARS * 4 + 1)  # UTF-8: at most 4 bytes a character
    except OSError as exc:
        raise _error(str(path), "", f"cannot read the file: {exc.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _error(str(path), "", f"not UTF-8 text (byte {exc.start} cannot be decoded)") from None


def parse_bot_text(text: str, file: str) -> dict[str, Any]:
    """The TOML data of ``text``, checked against the limits; ``file`` names it in errors."""
    if len(text) > MAX_CHARS:
        raise _error(file, "", f"too big: a bot file is at most {MAX_CHARS} characters")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _TOML_POSITION.search(message)
        where = match.group(1) if match else ""
        reason = message[: match.start()] if match else message
        raise _error(file, where, f"invalid TOML: {reason[:1].lower()}{reason[1:]}") from None
    except RecursionError:
        raise _error(
            file,
            "",
            f"invalid TOML: arrays or inline tables nested too deep (a bot file nests at most {MAX_DEPTH} levels)",
        ) from None
    except ValueError:  # an integer longer than Python converts
        raise _error(
            file, "", f"invalid TOML: an integer has more than {sys.get_int_max_str_digits()} digits"
        ) from None
    _check_shape(data, file)
    return data


def _check_shape(data: dict[str, Any], file: str) -> None:
    """Raise if tables and lists nest deeper than ``MAX_DEPTH`` or hold over ``MAX_VALUES`` values."""
    count = 0
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_DEPTH:
            raise _error(
                file,
                key_path(path),
                f"nested more than {MAX_DEPTH} levels deep (tables and lists in a bot file nest a few levels)",
            )
        count += len(value)
        if count > MAX_VALUES:
            raise _error(
                file,
                key_path(path) or key_path(list(value)[-1:]),
                f"too many values: a bot file holds at most {MAX_VALUES}",
            )
        items = value.items() if isinstance(value, dict) else enumerate(value)
        stack.extend((item, (*path, key)) for key, item in items if isinstance(item, (dict, list)))


def _error(file: str, path: str, message: str) -> BotFileError:
    return BotFileError([ConfigIssue(file, path, message)])
