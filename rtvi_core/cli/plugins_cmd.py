"""``rtvi plugins``: every plugin, what it registered per kind, and the ones that failed.

``--json`` prints one object: ``autoload``, ``plugins`` (``name``, ``distribution``,
``version``, ``registered`` {kind: [names]}, ``missing`` {kind: {name: what that
component lacks to run with its defaults, as its plugin says}}), ``failures`` (``name``,
``distribution``, ``version``, ``error``, ``collisions`` [{``kind``, ``name``,
``owner``, ``owner_distribution``}]) and ``skipped`` (``name``, ``distribution``,
``version``, ``reason``). The exit code is 0 even when plugins failed.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import Any

from .app import EXIT_OK


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "plugins",
        help="list the installed plugins and what they register",
        description="List every plugin (built-ins first): its distribution, version and "
        "what it registered per kind, and what a component still needs to run (an "
        "optional package or model to install); then the plugins that failed, with their error.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON for machines")
    return parser


def run(args: argparse.Namespace) -> int:
    from ..plugins import get_plugin_manager

    report = build_report(get_plugin_manager())
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return EXIT_OK


def build_report(manager: Any) -> dict[str, Any]:
    """The ``--json`` report of a :class:`~rtvi_core.plugins.PluginManager`."""
    return {
        "autoload": manager.autoload,
        "plugins": [{**asdict(info), "missing": _missing(manager.registry, info)} for info in manager.plugins],
        "failures": [asdict(failure) for failure in manager.failures],
        "skipped": [asdict(skipped) for skipped in manager.skipped],
    }


def _missing(registry: Any, info: Any) -> dict[str, dict[str, str]]:
    """What each component of the plugin ``info`` lacks, by kind then name (none: left out)."""
    found: dict[str, dict[str, str]] = {}
    for kind, names in info.registered.items():
        for name in names:
            hint = registry.get(kind, name).missing()
            if hint:
                found.setdefault(kind, {})[name] = hint
    return found


def format_report(report: dict[str, Any]) -> str:
    """The human-readable listing of a ``--json`` report."""
    lines = ["Plugins:" if report["autoload"] else "Plugins (autoload is off: built-ins only):"]
    for plugin in report["plugins"]:
        lines.append(f"  {plugin['name']}  ({plugin['distribution']} {plugin['version']})")
        for kind, names in plugin["registered"].items():
            lines.append(f"    {kind}: {', '.join(names)}")
            lines += [f"      {name}: {hint}" for name, hint in plugin["missing"].get(kind, {}).items()]
        if not plugin["registered"]:
            lines.append("    (registered nothing)")
    if report["failures"]:
        lines += ["", "Failed:"]
        for failure in report["failures"]:
            lines.append(f"  {failure['name']}  ({failure['distribution']} {failure['version']})")
            lines.append(f"    {failure['error']}")
    if report["skipped"]:
        lines += ["", "Skipped:"]
        lines += [f"  {s['name']}  ({s['distribution']} {s['version']}): {s['reason']}" for s in report["skipped"]]
    return "\n".join(lines)
