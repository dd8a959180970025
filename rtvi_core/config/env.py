"""``${env:NAME}`` and ``${env:NAME:-default}`` in bot-file strings.

Any string value (at any depth) may contain references; each is replaced by the
environment variable's value, or by the default when the variable is unset (an
empty default is allowed: ``${env:NAME:-}``). ``$${`` writes a literal ``${``. A
string that is exactly one reference with a default and an unset variable gets the
default as written (a string; the plugin's Config converts it). A string made from
references is an :class:`EnvText`, so that validation can let it spell a boolean.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .errors import ConfigIssue, key_path

_REFERENCE = re.compile(r"\$\$\{|\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-(.*?))?\}")
_MALFORMED = re.compile(r"(?<!\$)\$\{(?!env:[A-Za-z_][A-Za-z0-9_]*(?::-.*?)?\})")


class EnvText(str):
    """A bot-file string with environment references substituted (``"true"`` may be a boolean)."""

    __slots__ = ()


def interpolate(
    data: Any, environ: Mapping[str, str], file: str, path: tuple[str | int, ...] = ()
) -> tuple[Any, list[ConfigIssue]]:
    """``data`` with every reference replaced, and an issue per unset variable.

    A string with an unset variable (and no default) is left as written, so later
    checks still see a value; its key path is named in the issue.
    """
    issues: list[ConfigIssue] = []
    if isinstance(data, dict):
        result: dict[str, Any] = {}
        for key, value in data.items():
            result[key], found = interpolate(value, environ, file, (*path, key))
            issues += found
        return result, issues
    if isinstance(data, list):
        items = []
        for index, value in enumerate(data):
            item, found = interpolate(value, environ, file, (*path, index))
            items.append(item)
            issues += found
        return items, issues
    if not isinstance(data, str) or "${" not in data:
        return data, issues
    if _MALFORMED.search(data):
        issues.append(
            ConfigIssue(
                file,
                key_path(path),
                "malformed reference; write ${env:NAME} or ${env:NAME:-default} ($${ for a literal ${)",
            )
        )
        return data, issues
    missing: list[str] = []
    substituted = False

    def replace(match: re.Match[str]) -> str:
        nonlocal substituted
        name, default = match.group(1), match.group(2)
        if name is None:  # "$${": an escaped "${"
            return "${"
        substituted = True
        value = environ.get(name)
        if value is not None:
            return value
        if default is not None:
            return default
        missing.append(name)
        return match.group(0)

    text = _REFERENCE.sub(replace, data)
    for name in missing:
        issues.append(
            ConfigIssue(
                file,
                key_path(path),
                f"environment variable {name!r} is not set (set it, or give a default: ${{env:{name}:-default}})",
            )
        )
    if missing:
        return data, issues
    return (EnvText(text) if substituted else text), issues
