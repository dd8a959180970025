"""Read, interpolate and validate a bot file, collecting every error at once.

:func:`load_bot_file` returns a :class:`BotConfig` whose components are resolved
to their plugins with validated ``Config`` objects, or raises
:class:`~rtvi_core.config.errors.BotFileError` listing every problem: malformed TOML,
unknown keys, unset environment variables, unknown plugins ("did you mean ...")
and parameters the plugin's ``Config`` rejects. ``overrides`` set keys of tables from the
command line (``rtvi run --cluster URL``: ``{"cluster": {"redis_url": URL}}``) before
validation.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from ..plugins.catalogue import install_hint
from ..plugins.registry import build_component
from .env import interpolate
from .errors import BotFileError, ConfigIssue, describe_value, key_path, readable_error
from .model import (
    SECTION_KINDS,
    BotFile,
    BotSection,
    ClusterTable,
    ComponentTable,
    MetricsSection,
    PipelineSection,
    ProcessorTable,
    RTVIObserverSection,
    RTVISection,
    TransportTable,
)
from .parsing import parse_bot_text, read_bot_file
from .strict import validate_strict

#: How issues name a section's plugin: ``llm plugin 'echo'``, ``action 'get_time'``.
SECTION_LABELS: dict[str, str] = {
    "transport": "transport plugin",
    "vad": "vad plugin",
    "turn": "turn plugin",
    "stt": "stt plugin",
    "llm": "llm plugin",
    "tts": "tts plugin",
    "actions": "action",
    "processors": "processor plugin",
    "cluster": "cluster plugin",
}

# key path (list indices dropped) -> the model whose keys are allowed there
_TABLES: dict[tuple[str, ...], type[BaseModel]] = {
    ("bot",): BotSection,
    ("rtvi",): RTVISection,
    ("metrics",): MetricsSection,
    ("rtvi", "observer"): RTVIObserverSection,
    ("rtvi", "pipeline"): PipelineSection,
}

_TOP_KEY = re.compile(r"[^.\[]*")


def _top_key(path: str) -> str:
    """The top-level key of a key path (``rtvi`` of ``rtvi.observer.x``, ``actions`` of ``actions[0]``)."""
    match = _TOP_KEY.match(path)
    assert match is not None  # the pattern matches every string (at worst the empty prefix)
    return match.group()


_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True)
class ComponentSpec:
    """One component of a bot file, resolved: the plugin and its validated Config.

    ``obj`` is what the plugin registered (a class, or an ``Action``); ``path`` the
    key path of its table (``llm``, ``actions[0]``); ``position`` is set for extra
    processors.
    """

    section: str
    path: str
    name: str
    obj: Any
    config: BaseModel
    position: str | None = None

    def create(self) -> Any:
        """A new instance (or bound action) built from the validated Config."""
        return build_component(self.obj, self.config)


@dataclass(frozen=True)
class BotConfig:
    """A validated bot file: its raw model and the resolved components."""

    file: str
    base_dir: Path
    model: BotFile
    transport: ComponentSpec
    llm: ComponentSpec
    vad: ComponentSpec | None = None
    turn: ComponentSpec | None = None
    stt: ComponentSpec | None = None
    tts: ComponentSpec | None = None
    actions: list[ComponentSpec] = field(default_factory=list)
    processors: list[ComponentSpec] = field(default_factory=list)
    #: ``[transport] also_serve``: the transports served beside the bot file's own.
    also_serve: list[ComponentSpec] = field(default_factory=list)
    #: ``[cluster]``: the cluster the bot's server joins as a worker (None: it serves alone).
    cluster: ComponentSpec | None = None

    def transport_named(self, name: str | None) -> ComponentSpec:
        """The served transport ``name`` (None: the bot file's own); KeyError if it is not served."""
        if name is None or name == self.transport.name:
            return self.transport
        for spec in self.also_serve:
            if spec.name == name:
                return spec
        raise KeyError(name)


def load_bot_file(
    path: str | os.PathLike[str],
    *,
    registry: Any = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> BotConfig:
    """Load and validate the bot file at ``path``.

    ``registry`` defaults to the plugin manager's registry (installed plugins and
    built-ins), ``environ`` to ``os.environ``; ``overrides``: table → keys set over the
    file's (the table is created if the file has none). Raises :class:`BotFileError`
    with every problem found.
    """
    path = Path(path)
    text = read_bot_file(path)
    return load_bot_text(
        text, file=str(path), base_dir=path.parent, registry=registry, environ=environ, overrides=overrides
    )


def load_bot_text(
    text: str,
    *,
    file: str = "<bot file>",
    base_dir: str | os.PathLike[str] = ".",
    registry: Any = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> BotConfig:
    """Like :func:`load_bot_file` for TOML ``text``; ``file`` names it in errors.

    The limits of :mod:`rtvi_core.config.parsing` apply (size, nesting, values).
    """
    raw = parse_bot_text(text, file)
    for table, keys in (overrides or {}).items():
        current = raw.get(table, {})
        raw[table] = {**current, **keys} if isinstance(current, dict) else current
    if registry is None:
        from ..plugins import get_plugin_manager

        registry = get_plugin_manager().registry
    return _Validator(file, Path(base_dir), registry).validate(raw, os.environ if environ is None else environ)


class _Validator:
    """Collects the issues of one bot file."""

    def __init__(self, file: str, base_dir: Path, registry: Any) -> None:
        self.file = file
        self.base_dir = base_dir
        self.registry = registry
        self.issues: list[ConfigIssue] = []
        self._skip: list[str] = []  # key paths already reported (unset variables)

    def add(self, path: str, message: str, plugin: str = "") -> None:
        if not any(path == done or path.startswith((done + ".", done + "[")) for done in self._skip):
            self.issues.append(ConfigIssue(self.file, path, message, plugin))

    def validate(self, raw: dict[str, Any], environ: Mapping[str, str]) -> BotConfig:
        data, env_issues = interpolate(raw, environ, self.file)
        self.issues += env_issues
        self._skip = [issue.path for issue in env_issues]
        allowed = ", ".join(sorted(BotFile.model_fields))
        for key in data:
            if key not in BotFile.model_fields:
                self.add(key_path((key,)), f"unknown top-level key; allowed keys: {allowed}")
        bot = self._check(("bot",), data.get("bot", {}), BotSection) or BotSection()
        rtvi = self._check(("rtvi",), data.get("rtvi", {}), RTVISection) or RTVISection()
        metrics = self._check(("metrics",), data.get("metrics", {}), MetricsSection) or MetricsSection()
        local = self._local_actions(bot.local_actions)
        if "llm" not in data:
            self.add("llm", f"missing required table [llm] (with use = the llm plugin; {self._installed('llm')})")
        tables: dict[str, Any] = {
            section: self._check(
                (section,), data[section], TransportTable if section == "transport" else ComponentTable
            )
            for section in ("transport", "vad", "turn", "stt", "llm", "tts")
            if section in data
        }
        if "cluster" in data:
            tables["cluster"] = self._check(("cluster",), data["cluster"], ClusterTable)
        tables.setdefault("transport", TransportTable(use="memory"))
        specs = {
            section: self._component(section, section, table) for section, table in tables.items() if table is not None
        }
        also_serve = self._also_served(tables["transport"], specs.get("transport"))
        entries = {
            section: self._entries(data, section, model)
            for section, model in (("actions", ComponentTable), ("processors", ProcessorTable))
        }
        actions = [self._component("actions", path, table, local) for path, table in entries["actions"]]
        processors = [self._component("processors", path, table) for path, table in entries["processors"]]
        self._check_unique_actions(entries["actions"])
        if self.issues:
            order = {key: index for index, key in enumerate(data)}
            self.issues.sort(key=lambda issue: order.get(_top_key(issue.path), -1))
            raise BotFileError(self.issues)
        lists: dict[str, Any] = {section: [table for _, table in found] for section, found in entries.items()}
        model = BotFile(bot=bot, rtvi=rtvi, metrics=metrics, **tables, **lists)
        return BotConfig(
            file=self.file,
            base_dir=self.base_dir,
            model=model,
            transport=specs["transport"],  # type: ignore[arg-type]
            llm=specs["llm"],  # type: ignore[arg-type]
            vad=specs.get("vad"),
            turn=specs.get("turn"),
            stt=specs.get("stt"),
            tts=specs.get("tts"),
            actions=actions,  # type: ignore[arg-type]
            processors=processors,  # type: ignore[arg-type]
            also_serve=also_serve,
            cluster=specs.get("cluster"),
        )

    # -- structure ------------------------------------------------------------------

    def _check(self, path: tuple[str | int, ...], value: Any, model: type[_M]) -> _M | None:
        """``value`` validated by ``model``; None (and an issue per error) if invalid."""
        validated, errors = validate_strict(model, value)
        for error in errors:
            self._structure_issue(path, error)
        return validated

    def _entries(self, data: Mapping[str, Any], key: str, model: type[_M]) -> list[tuple[str, _M]]:
        """The valid ``[[key]]`` entries with their key paths (an issue per invalid one)."""
        entries = data.get(key, [])
        if not isinstance(entries, list):
            self.add(key, f"expected a list of tables ([[{key}]]), got {describe_value(entries)}")
            return []
        checked = [(f"{key}[{index}]", self._check((key, index), entry, model)) for index, entry in enumerate(entries)]
        return [(path, table) for path, table in checked if table is not None]

    def _structure_issue(self, prefix: tuple[str | int, ...], error: Mapping[str, Any]) -> None:
        loc = (*prefix, *error["loc"])
        path = key_path(loc)
        section = loc[0]
        if error["type"] == "extra_forbidden":
            named = tuple(part for part in loc[:-1] if isinstance(part, str))
            model = _TABLES.get(named)
            self.add(path, readable_error(error, list(model.model_fields) if model else ()))
        elif error["type"] == "missing" and loc[-1] == "use" and section in SECTION_KINDS:
            self.add(path, f"missing required key (the {SECTION_LABELS[section]} to use; {self._installed(section)})")
        else:
            self.add(path, readable_error(error))

    # -- components -----------------------------------------------------------------

    def _installed(self, section: str, extra: Sequence[str] = ()) -> str:
        names = sorted({*self.registry.names(SECTION_KINDS[section]), *extra})
        label = SECTION_LABELS[section]
        if not names:
            return f"no {label}s are installed"
        return f"installed: {', '.join(names)}"

    def _component(
        self,
        section: str,
        path: str,
        table: ComponentTable,
        local: Mapping[str, Any] | None = None,
        *,
        inherited: Mapping[str, Any] | None = None,
    ) -> ComponentSpec | None:
        """The component ``table`` names, its Config validated (an issue per problem; None then).

        ``inherited``: keys (of another table) that apply to this component too, when its
        Config has them and ``table`` does not set them.
        """
        kind = SECTION_KINDS[section]
        name = table.use
        label = f"{SECTION_LABELS[section]} {name!r}"
        local = local or {}
        registration = self.registry.find(kind, name)
        if name in local:
            obj, config_model = local[name], local[name].Config
        elif registration is not None:
            obj, config_model = registration.obj, registration.config_model
        else:
            known = [*self.registry.names(kind), *local]
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            provider = install_hint(kind, name)
            self.add(
                f"{path}.use",
                f"unknown {SECTION_LABELS[section]} {name!r}{hint} ({self._installed(section, list(local))})"
                + (f"; {provider}" if provider else ""),
            )
            return None
        own = ["use", "position"] if isinstance(table, ProcessorTable) else ["use"]
        params = table.params
        if inherited:
            params = {key: value for key, value in inherited.items() if key in config_model.model_fields} | params
        config, errors = validate_strict(config_model, params)
        allowed = [*own, *config_model.model_fields]
        for error in errors:
            self.add(key_path((path, *error["loc"])), readable_error(error, allowed), label)
        if config is None:
            return None
        return ComponentSpec(
            section=section,
            path=path,
            name=name,
            obj=obj,
            config=config,
            position=getattr(table, "position", None),
        )

    def _also_served(self, table: TransportTable | None, main: ComponentSpec | None) -> list[ComponentSpec]:
        """The ``[transport] also_serve`` entries, each validated with the keys [transport] shares with it.

        An entry names another served transport; its table may set that transport's own
        keys, never one the bot file's transport also has (those apply to every served
        transport, so they are set once, in ``[transport]``).
        """
        if table is None or main is None or not table.also_serve:
            return []
        if not callable(getattr(main.obj, "frontend", None)):
            self.add(
                "transport.also_serve",
                f"transport {main.name!r} serves no clients: also_serve needs a served transport",
            )
            return []
        specs: list[ComponentSpec] = []
        seen = {main.name}
        for index, entry in enumerate(table.also_serve):
            path = f"transport.also_serve[{index}]"
            if isinstance(entry, str):
                entry = ComponentTable(use=entry)
            elif isinstance(entry, dict):
                entry = self._check(("transport", "also_serve", index), entry, ComponentTable)
                if entry is None:
                    continue
            else:
                self.add(
                    path, f'expected a transport name or a table {{use = "name", ...}}, got {describe_value(entry)}'
                )
                continue
            label = f"transport {entry.use!r}"
            if entry.use in seen:
                self.add(path, f"{label} is served already (listed twice, or the bot file's own transport)")
                continue
            seen.add(entry.use)
            for key in entry.params:
                if key in type(main.config).model_fields:
                    self.add(f"{path}.{key}", f"{key!r} applies to every served transport: set it in [transport]")
            registration = self.registry.find("transports", entry.use)
            if registration is not None and not callable(getattr(registration.obj, "frontend", None)):
                self.add(f"{path}.use", f"{label} serves no clients, so it cannot be served beside {main.name!r}")
                continue
            spec = self._component("transport", path, entry, inherited=table.params)
            if spec is not None:
                specs.append(spec)
        return specs

    def _local_actions(self, modules: list[str]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if not modules:
            return found
        from ..actions import ActionLoadError, load_local_actions

        for index, module in enumerate(modules):
            try:
                actions = load_local_actions(module, base_dir=self.base_dir)
            except ActionLoadError as exc:
                self.add(f"bot.local_actions[{index}]", str(exc))
                continue
            for act in actions:
                found[act.PLUGIN_NAME] = act
        return found

    def _check_unique_actions(self, entries: list[tuple[str, ComponentTable]]) -> None:
        seen: set[str] = set()
        for path, table in entries:
            if table.use in seen:
                self.add(f"{path}.use", f"action {table.use!r} is listed twice")
            seen.add(table.use)
