"""Client version negotiation on ``client-ready`` (spec §3.3) and ``about`` parsing (§4.2)."""

from __future__ import annotations

import enum
import re
from typing import Any

import msgspec

from .constants import LEGACY_MAJOR, PROTOCOL_VERSION

VersionTuple = tuple[int, int, int]

_VERSION_RE = re.compile(r"([0-9]+)\.([0-9]+)\.([0-9]+)", re.ASCII)

UNKNOWN_VERSION_ERROR = "Client version unknown. Compatibility issues may occur."
UNKNOWN_ABOUT: dict[str, Any] = {"library": "unknown"}


class VersionStatus(enum.Enum):
    """Outcome of parsing ``client-ready.data.version``."""

    COMPATIBLE = "compatible"  # major 2: bot-ready carries PROTOCOL_VERSION
    LEGACY = "legacy"  # major 1: bot-ready echoes the client version
    INCOMPATIBLE = "incompatible"  # any other major: error-response, then proceed
    INVALID = "invalid"  # not three dot-separated integers: error-response
    UNKNOWN = "unknown"  # data missing/null or version not a string: error-response


class VersionCheck(msgspec.Struct, frozen=True, gc=False):
    """Result of :func:`parse_client_version`.

    ``parsed`` is set for COMPATIBLE / LEGACY / INCOMPATIBLE; ``error`` is the
    ``error-response`` text to send first (None when no error).
    """

    status: VersionStatus
    raw: str | None = None
    parsed: VersionTuple | None = None
    error: str | None = None

    def stored_version(self, previous: VersionTuple | None = None) -> VersionTuple | None:
        """Version the session should remember: the parsed one, else ``previous`` unchanged."""
        return self.parsed if self.parsed is not None else previous

    @property
    def is_legacy(self) -> bool:
        """True for a 1.x client (stateless view; see :func:`is_legacy_version`)."""
        return self.status is VersionStatus.LEGACY

    @property
    def bot_ready_version(self) -> str:
        """``bot-ready.data.version`` when no version was stored before."""
        return bot_ready_version(self.parsed)


def parse_version_string(value: str) -> VersionTuple | None:
    """Parse exactly three dot-separated ASCII integers (``"2.1.0"``), else None."""
    m = _VERSION_RE.fullmatch(value)
    if m is None:
        return None
    return (int(m.group(1)), int(m.group(2)), int(m.group(3)))


def format_version(version: VersionTuple) -> str:
    """Rebuild ``"X.Y.Z"`` from parsed ints (so ``"1.04.0"`` becomes ``"1.4.0"``)."""
    return f"{version[0]}.{version[1]}.{version[2]}"


def is_legacy_version(stored: VersionTuple | None) -> bool:
    """True if the stored client version selects legacy (1.x) output rules."""
    return stored is not None and stored[0] == LEGACY_MAJOR


def bot_ready_version(stored: VersionTuple | None) -> str:
    """Version for ``bot-ready``: the stored 1.x version echoed back, else PROTOCOL_VERSION."""
    if is_legacy_version(stored):
        return format_version(stored)  # type: ignore[arg-type]
    return PROTOCOL_VERSION


def parse_client_version(data: object) -> VersionCheck:
    """Classify ``client-ready`` ``data`` (a dict or None) per spec §3.3. Never raises."""
    version = data.get("version") if isinstance(data, dict) else None
    if not isinstance(version, str):
        return VersionCheck(VersionStatus.UNKNOWN, error=UNKNOWN_VERSION_ERROR)
    parsed = parse_version_string(version)
    if parsed is None:
        return VersionCheck(
            VersionStatus.INVALID,
            raw=version,
            error=f"Invalid client version format ({version}). Compatibility issues may occur.",
        )
    major = parsed[0]
    if major == 2:
        return VersionCheck(VersionStatus.COMPATIBLE, raw=version, parsed=parsed)
    if major == LEGACY_MAJOR:
        return VersionCheck(VersionStatus.LEGACY, raw=version, parsed=parsed)
    return VersionCheck(
        VersionStatus.INCOMPATIBLE,
        raw=version,
        parsed=parsed,
        error=(
            f"RTVI version {version} is not compatible with server protocol "
            f"{PROTOCOL_VERSION}. Compatibility issues may occur."
        ),
    )


class AboutClient(msgspec.Struct, gc=False):
    """``client-ready.data.about``: what client library/platform is talking to us."""

    library: str
    library_version: str | None = None
    platform: str | None = None
    platform_version: str | None = None
    platform_details: Any = None


def parse_about(value: object) -> dict[str, Any]:
    """Return ``about`` as a dict if valid (extra keys kept), else ``{"library": "unknown"}``.

    Never raises: an invalid or missing ``about`` is only worth a warning log.
    """
    if not isinstance(value, dict):
        return dict(UNKNOWN_ABOUT)
    try:
        msgspec.convert(value, AboutClient)
    except msgspec.ValidationError:
        return dict(UNKNOWN_ABOUT)
    return dict(value)
