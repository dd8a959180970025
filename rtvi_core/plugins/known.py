"""Provider plugins of this repository by the component they register: what to install.

A bot file naming one of these components while its plugin is missing gets the
distribution to install in its error (``rtvi validate``, ``rtvi run``). One line per
component; the plugin's own README says the rest.
"""

from __future__ import annotations

#: (kind, component name) -> the distribution that registers it.
KNOWN_PLUGINS: dict[tuple[str, str], str] = {
    ("llm", "anthropic"): "rtvi-anthropic",
    ("llm", "gemini"): "rtvi-gemini",
    ("tts", "cartesia"): "rtvi-cartesia",
}


def install_hint(kind: str, name: str) -> str:
    """``"; install rtvi-cartesia (...)"`` for a known component, else ``""``."""
    distribution = KNOWN_PLUGINS.get((kind, name))
    if distribution is None:
        return ""
    return f"; install {distribution} (from a clone of rtvi-core: pip install -e plugins/{distribution})"
