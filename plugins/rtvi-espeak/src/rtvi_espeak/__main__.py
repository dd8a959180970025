"""``python -m rtvi_espeak voices [--library PATH]``: list the espeak-ng voices."""

from __future__ import annotations

import argparse
import sys

from .engine import get_engine
from .library import EspeakLibraryError


def main(argv: list[str] | None = None) -> int:
    """List the installed voices (languages, identifier, title) and variants."""
    parser = argparse.ArgumentParser(prog="python -m rtvi_espeak")
    parser.add_argument("command", choices=["voices"])
    parser.add_argument("--library", default="auto", help="'auto' or a libespeak-ng path")
    args = parser.parse_args(argv)
    try:
        engine = get_engine(args.library)
    except EspeakLibraryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"espeak-ng {engine.library.version} ({engine.library.path})")
    for voice in sorted(engine.voices(), key=lambda v: v.languages):
        print(f"{', '.join(voice.languages):<24} {voice.identifier:<28} {voice.name}")
    print(f"variants (append to a voice as '+name', e.g. 'en-us+f3'): {' '.join(engine.variants())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
