"""``rtvi new-plugin NAME --kind KIND``: scaffold a plugin distribution ``rtvi-NAME``.

Templates live in ``templates/plugin/`` (``*.tmpl``, with ``__NAME__``-style tokens).
The scaffold is a complete distribution whose tests pass as generated: a
``pyproject.toml`` with the ``rtvi`` entry point and the package in the layout of
``docs/writing-a-plugin.md``: ``__init__.py`` (``__version__``, the public names),
``log.py`` (the logger ``rtvi.NAME``), one provider module (a placeholder
implementation of the kind's base class with ``PLUGIN_NAME``, and ``Config`` through
``LazyConfig``) and ``plugin.py`` (that ``Config`` model and the hook registering the
component); then a README and tests driven through the ``rtvi_core.testing`` kit.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from .app import EXIT_OK, CommandError

_NAME = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")


@dataclass(frozen=True)
class Kind:
    """What a plugin kind scaffolds: hook, provider module, class suffix, bot-file usage."""

    hook: str
    module: str
    suffix: str
    title: str
    usage: str


KINDS: dict[str, Kind] = {
    "tts": Kind("tts", "tts", "TTSService", "TTS service", '[tts]\nuse = "{name}"\nvoice = "default"'),
    "stt": Kind(
        "stt",
        "stt",
        "STTService",
        "STT service",
        '[vad]\nuse = "energy"\n\n[stt]\nuse = "{name}"\napi_key = "${{env:{env}}}"',
    ),
    "llm": Kind("llm", "llm", "LLMService", "LLM service", '[llm]\nuse = "{name}"\napi_key = "${{env:{env}}}"'),
    "vad": Kind("vad", "vad", "VADAnalyzer", "VAD analyzer", '[vad]\nuse = "{name}"\nstop_secs = 0.5'),
    "transport": Kind(
        "transports", "transport", "Transport", "transport", '[transport]\nuse = "{name}"\naudio_out_enabled = true'
    ),
    "action": Kind("actions", "actions", "", "action", '[[actions]]\nuse = "{name}"\nprefix = "> "'),
}


def register(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "new-plugin",
        help="scaffold a plugin distribution",
        description="Scaffold the plugin distribution rtvi-NAME (pyproject with the entry "
        "point, package, README, tests that pass as generated).",
    )
    parser.add_argument("name", help="the plugin name used in bot files (e.g. my-tts)")
    parser.add_argument("--kind", required=True, choices=sorted(KINDS), help="what the plugin provides")
    parser.add_argument("--dir", default=".", help="where to create rtvi-NAME/ (default: .)")
    parser.add_argument("--description", default="", help="one line describing the plugin")
    return parser


def run(args: argparse.Namespace) -> int:
    target = scaffold_plugin(args.name, args.kind, args.dir, description=args.description)
    print(f"created {target}")
    print(f"next: cd {target} && pip install -e '.[test]' && pytest")
    return EXIT_OK


def scaffold_plugin(name: str, kind: str, directory: str | Path = ".", *, description: str = "") -> Path:
    """Write the distribution ``rtvi-<name>`` for a plugin of ``kind`` under ``directory``.

    Raises :class:`CommandError` for an invalid name or kind, or if the target exists.
    """
    if not _NAME.match(name):
        raise CommandError(
            f"rtvi new-plugin: invalid plugin name {name!r}: use lower-case letters, digits, "
            "'-' and '_', starting with a letter (e.g. my-tts)",
            exit_code=2,
        )
    if kind not in KINDS:
        raise CommandError(f"rtvi new-plugin: unknown kind {kind!r}; kinds: {', '.join(sorted(KINDS))}", exit_code=2)
    spec = KINDS[kind]
    snake = name.replace("-", "_")
    camel = "".join(part.capitalize() for part in re.split(r"[-_]", name))
    export = snake if kind == "action" else camel + spec.suffix
    env = f"{snake.upper()}_API_KEY"
    root = files(__package__).joinpath("templates", "plugin")
    tokens = {  # in order: the first ones bring in text with the later ones
        **_plugin_module_tokens(root, kind),
        "__DIST__": f"rtvi-{name}",
        "__PACKAGE__": f"rtvi_{snake}",
        "__NAME__": name,
        "__HOOK__": spec.hook,
        "__MODULE__": spec.module,
        "__EXPORT__": export,
        "__CLASS__": export,
        "__CONFIG__": f"{camel}Config",
        "__ARGS__": f"{camel}Args",
        "__TITLE__": spec.title,
        "__ENV__": env,
        "__USAGE__": spec.usage.format(name=name, env=env),
        "__DESCRIPTION__": (description or f"The {name} {spec.title}").replace('"', "'"),
        # in the order ruff's isort and RUF022 keep them, which depends on the names
        "__INIT_IMPORTS__": "\n".join(sorted([f"from .{spec.module} import {export}", "from .log import logger"])),
        "__ALL__": ", ".join(f'"{n}"' for n in sorted([export, "__version__", "logger"], key=_all_order)),
        "__TEST_IMPORTS__": ", ".join(sorted([export, "plugin"], key=_all_order)),
    }
    target = Path(directory) / f"rtvi-{name}"
    if target.exists():
        raise CommandError(f"rtvi new-plugin: {target} already exists")
    package = target / "src" / tokens["__PACKAGE__"]
    outputs: list[tuple[str, Path]] = [  # template (under templates/plugin/) -> file written
        ("pyproject.toml", target / "pyproject.toml"),
        ("README.md", target / "README.md"),
        ("package/__init__.py", package / "__init__.py"),
        ("package/log.py", package / "log.py"),
        ("package/plugin.py", package / "plugin.py"),
        (f"kinds/{kind}.py", package / f"{spec.module}.py"),
        ("tests/conftest.py", target / "tests" / "conftest.py"),
        (f"kinds/test_{kind}.py", target / "tests" / f"test_{snake}.py"),
    ]
    for template, destination in outputs:
        text = _template(root, template)
        for token, value in tokens.items():
            text = text.replace(token, value)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(text, encoding="utf-8")
    return target


def _all_order(name: str) -> tuple[int, str]:
    """ruff's order of ``__all__`` and of imported names: SCREAMING_CASE, then CamelCase,
    then the rest, each alphabetical."""
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


def _template(root: Any, template: str) -> str:
    """The text of ``templates/plugin/<template>.tmpl``."""
    text: str = root.joinpath(*f"{template}.tmpl".split("/")).read_text(encoding="utf-8")
    return text


def _plugin_module_tokens(root: Any, kind: str) -> dict[str, str]:
    """What ``plugin.py`` holds besides the hook: the component's bot-file ``Config``
    (``kinds/<kind>_config.py.tmpl``, which the component names through ``LazyConfig``);
    an action keeps its models beside its handler, for ``@action`` takes them."""
    if kind == "action":
        return {
            "__PLUGIN_HOLDS__": "registers the action",
            "__CONFIG_MODULE__": "__MODULE__",
            "__CONFIG_IMPORTS__": "",
            "__CONFIG_MODEL__": "",
        }
    return {
        "__PLUGIN_HOLDS__": "the __TITLE__'s parameters and registration",
        "__CONFIG_MODULE__": "plugin",
        "__CONFIG_IMPORTS__": "from pydantic import BaseModel, ConfigDict, Field\n",
        "__CONFIG_MODEL__": "\n\n" + _template(root, f"kinds/{kind}_config.py"),
    }
