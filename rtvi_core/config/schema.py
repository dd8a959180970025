"""One JSON Schema (draft 2020-12) for bot files, built from the installed plugins.

Each component section is a ``oneOf`` over the plugins of its kind, told apart by
``use`` (a ``const``); each variant carries that plugin's ``Config`` fields, so an
editor (taplo / Even Better TOML) completes and checks plugin parameters too.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from .loader import SECTION_LABELS
from .model import SECTION_KINDS, BotFile, ProcessorTable, TransportTable

DRAFT = "https://json-schema.org/draft/2020-12/schema"
_REF = "#/$defs/{model}"
#: A string like ``${env:NAME}``: allowed wherever a number or boolean is (it is
#: converted after interpolation).
ENV_REFERENCE = {
    "type": "string",
    "pattern": r"\$\{env:[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}",
    "description": "an environment variable reference: ${env:NAME} or ${env:NAME:-default}",
}
_SCALARS = {"number", "integer", "boolean"}


def build_schema(registry: Any) -> dict[str, Any]:
    """The bot-file schema for the components in ``registry``."""
    plugins: dict[str, list[tuple[str, str, type[BaseModel]]]] = {
        section: [
            (reg.name, reg.description, reg.config_model)
            for reg in registry.registrations(kind)
            if reg.config_model is not None
        ]
        for section, kind in SECTION_KINDS.items()
    }
    served = [reg.name for reg in registry.registrations("transports") if callable(getattr(reg.obj, "frontend", None))]
    configs = {model: None for entries in plugins.values() for _, _, model in entries}
    model_types: list[type[BaseModel]] = [BotFile, *configs]
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [(model, "validation") for model in model_types]
    refs, top = models_json_schema(models, ref_template=_REF)
    defs: dict[str, Any] = top.get("$defs", {})
    root = copy.deepcopy(defs.pop(_name(refs[(BotFile, "validation")])))
    for name in ("ComponentTable", "ProcessorTable", "TransportTable"):
        defs.pop(name, None)
    for name in ("BotSection", "RTVIObserverSection", "PipelineSection"):
        _allow_env(defs[name])
    defs["EnvReference"] = ENV_REFERENCE

    properties = root["properties"]
    for section in SECTION_KINDS:
        variants = [
            _variant(section, name, description, defs[_name(refs[(model, "validation")])])
            for name, description, model in plugins[section]
        ]
        if section == "transport":
            for variant in variants:
                if variant["properties"]["use"]["const"] in served:
                    variant["properties"]["also_serve"] = _also_serve_schema(served)
        table = _section_schema(section, variants)
        if section == "cluster":  # its `use` has a default
            for variant in [table, *variants]:
                variant["required"] = [key for key in variant.get("required", ()) if key != "use"]
        if section in ("actions", "processors"):
            properties[section] = {
                "type": "array",
                "items": table,
                "description": properties[section].get("description", ""),
            }
        else:
            properties[section] = table
    root.pop("title", None)
    root.pop("description", None)
    schema = {
        "$schema": DRAFT,
        "title": "rtvi bot file",
        "description": "A bot for `rtvi run`: components named by plugin (`use`) "
        "and their parameters. See docs/bot-file.md.",
        **root,
        "$defs": defs,
    }
    _drop_unreferenced(schema)
    return schema


def _drop_unreferenced(schema: dict[str, Any]) -> None:
    """Remove the ``$defs`` nothing refers to (plugin Configs are inlined as variants)."""
    defs = schema["$defs"]
    changed = True
    while changed:
        changed = False
        for name in list(defs):
            rest = json.dumps({**schema, "$defs": {k: v for k, v in defs.items() if k != name}})
            if f'"#/$defs/{name}"' not in rest:
                del defs[name]
                changed = True


def _name(ref: dict[str, str]) -> str:
    return ref["$ref"].rsplit("/", 1)[-1]


def _variant(section: str, name: str, description: str, config: dict[str, Any]) -> dict[str, Any]:
    """A plugin's Config schema with ``use`` (and a processor's ``position``) added."""
    variant = copy.deepcopy(config)
    _allow_env(variant)
    own: dict[str, Any] = {"use": {"const": name, "description": f"the {SECTION_LABELS[section]}"}}
    if section == "processors":
        position = ProcessorTable.model_json_schema(ref_template=_REF)["properties"]["position"]
        own["position"] = position
    variant["properties"] = {**own, **variant.get("properties", {})}
    variant["required"] = ["use", *variant.get("required", [])]
    variant["additionalProperties"] = False
    variant["title"] = f"{SECTION_LABELS[section]} {name!r}"
    if description:
        variant["description"] = description
    else:
        variant.pop("description", None)
    return variant


def _also_serve_schema(served: list[str]) -> dict[str, Any]:
    """``[transport] also_serve``: served transports, by name or as a table of their own keys."""
    table = TransportTable.model_json_schema(ref_template=_REF)["properties"]["also_serve"]
    names = {"enum": served}
    return {
        "type": "array",
        "description": table.get("description", ""),
        "items": {
            "anyOf": [
                names,
                {"type": "object", "properties": {"use": names}, "required": ["use"]},
            ]
        },
    }


def _allow_env(model: dict[str, Any]) -> None:
    """Let each number/boolean property of ``model`` also be a ``${env:...}`` string."""
    for name, prop in model.get("properties", {}).items():
        types = {prop.get("type")} | {option.get("type") for option in prop.get("anyOf", ())}
        if types & _SCALARS:
            model["properties"][name] = {"anyOf": [prop, {"$ref": "#/$defs/EnvReference"}]}


def _section_schema(section: str, variants: list[dict[str, Any]]) -> dict[str, Any]:
    label = SECTION_LABELS[section]
    if not variants:
        return {"description": f"no {label}s are installed", "not": {}}
    names = [variant["properties"]["use"]["const"] for variant in variants]
    return {
        "type": "object",
        "description": f"a {label}: `use` names it, the other keys are its parameters",
        "properties": {"use": {"enum": names}},
        "required": ["use"],
        "oneOf": variants,
    }
