"""Bot-file validation that takes TOML's types at their word.

pydantic turns ``"yes"``, ``"true"``, ``"on"`` and ``1`` into ``True`` for a boolean, and
``true`` into ``1`` for a number; in a bot file each is a mistake worth an error. Here a
key that only takes a boolean takes only ``true``/``false``, and a number key takes no
boolean, while what bot files rely on still converts: ``5`` for a float, ``"0.5"`` for a
number, and a value from an environment reference (``"${env:DEBUG:-false}"``, an
:class:`~rtvi_core.config.env.EnvText`) spelling a boolean ``true`` or ``false``.

It applies to every model the loader validates (the core's tables and each plugin's
``Config``) with nothing for a plugin to do: before pydantic converts anything, the
values are checked against the model's JSON schema (``boolean`` / ``integer`` /
``number`` positions, through nested tables, lists and ``$ref``s). A model without a
JSON schema is validated as pydantic does.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .env import EnvText

logger = logging.getLogger("rtvi_core.config")

_M = TypeVar("_M", bound=BaseModel)

#: Model → its JSON schema (None: it has none), made on first use.
_schemas: weakref.WeakKeyDictionary[type, dict[str, Any] | None] = weakref.WeakKeyDictionary()


def validate_strict(model: type[_M], data: Any) -> tuple[_M | None, list[dict[str, Any]]]:
    """``data`` validated by ``model`` with bot-file types: ``(instance, [])`` or ``(None, errors)``.

    The errors are pydantic error dicts (``type``, ``loc``, ``msg``, ``input``), in the
    order of the keys in ``data``: a boolean where a number belongs is
    ``int_type``/``float_type``, anything but ``true``/``false`` where only a boolean
    belongs is ``bool_type``, and a validator raising something pydantic does not turn
    into an error is ``validator_error`` (at the model's own location).
    """
    errors = strict_errors(model, data)
    reported = {tuple(error["loc"]) for error in errors}
    try:
        instance = model.model_validate(data)
    except ValidationError as exc:
        errors += [dict(error) for error in exc.errors() if tuple(error["loc"]) not in reported]
        instance = None
    except Exception as exc:  # a validator that raises what pydantic does not catch
        logger.warning("a validator of %s raised", model.__name__, exc_info=True)
        errors.append(_error("validator_error", f"its Config failed ({type(exc).__name__}: {exc})", (), None))
        instance = None
    if not errors:
        return instance, errors
    orders: dict[int, dict[Any, int]] = {}  # id(table) -> key -> its index in the table

    def position(loc: Any) -> tuple[int, ...]:
        """Where ``loc`` is in ``data``: the index of each key in its table (keys not there last)."""
        found, value = [], data
        for part in loc:
            if isinstance(value, dict) and part in value:
                order = orders.get(id(value))
                if order is None:
                    order = orders[id(value)] = {key: index for index, key in enumerate(value)}
                found.append(order[part])
                value = value[part]
            elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
                found.append(part)
                value = value[part]
            else:
                found.append(1 << 62)
                break
        return tuple(found)

    errors.sort(key=lambda error: position(error["loc"]))
    return None, errors


def strict_errors(model: type[BaseModel], data: Any) -> list[dict[str, Any]]:
    """The values of ``data`` that pydantic would convert and a bot file must not (see the module doc)."""
    schema = _schema_of(model)
    found: list[dict[str, Any]] = []
    if schema is not None:
        _walk(schema, schema.get("$defs", {}), data, (), found)
    return found


def _schema_of(model: type[BaseModel]) -> dict[str, Any] | None:
    try:
        return _schemas[model]
    except KeyError:
        pass
    try:
        schema: dict[str, Any] | None = model.model_json_schema()
    except Exception as exc:  # a type with no JSON schema: nothing to check it against
        logger.debug("%s has no JSON schema (%s): its booleans are not checked", model.__name__, exc)
        schema = None
    _schemas[model] = schema
    return schema


def _branches(node: Mapping[str, Any], defs: Mapping[str, Any], depth: int = 0) -> list[Mapping[str, Any]]:
    """The alternatives ``node`` stands for, ``$ref``s resolved and unions flattened."""
    if depth > 32:  # a cycle of references: give up on this node
        return [{}]
    ref = node.get("$ref")
    if isinstance(ref, str):
        return _branches(defs.get(ref.rsplit("/", 1)[-1], {}), defs, depth + 1)
    for key in ("anyOf", "oneOf", "allOf"):
        if isinstance(node.get(key), list):
            return [branch for option in node[key] for branch in _branches(option, defs, depth + 1)]
    return [node]


def _json_type(value: Any) -> str | None:
    for kind, name in ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string")):
        if isinstance(value, kind):
            return name
    return "null" if value is None else None


def _types(branches: list[Mapping[str, Any]]) -> set[str] | None:
    """The JSON types the branches take; None when one takes anything."""
    types: set[str] = set()
    for branch in branches:
        kind = branch.get("type")
        if kind is None and "const" in branch:
            kind = _json_type(branch["const"])
        elif kind is None and isinstance(branch.get("enum"), list):
            kind = [_json_type(value) for value in branch["enum"]]
        if kind is None:
            return None
        types.update(kind if isinstance(kind, list) else [kind])
    return types


def _error(kind: str, message: str, loc: tuple[Any, ...], value: Any) -> dict[str, Any]:
    return {"type": kind, "loc": loc, "msg": message, "input": value}


def _walk(
    node: Mapping[str, Any], defs: Mapping[str, Any], value: Any, loc: tuple[Any, ...], found: list[dict[str, Any]]
) -> None:
    branches = _branches(node, defs)
    types = _types(branches)
    if types is not None:
        if isinstance(value, bool) and "boolean" not in types and types & {"integer", "number"}:
            if "number" in types:
                found.append(_error("float_type", "Input should be a valid number", loc, value))
            else:
                found.append(_error("int_type", "Input should be a valid integer", loc, value))
            return
        if "boolean" in types and types <= {"boolean", "null"} and not _is_boolean(value):
            found.append(_error("bool_type", "Input should be a valid boolean", loc, value))
            return
    if isinstance(value, dict):
        for branch in branches:
            properties, extra = branch.get("properties"), branch.get("additionalProperties")
            if not isinstance(properties, dict) and not isinstance(extra, dict):
                continue
            for key, item in value.items():
                sub = (properties or {}).get(key, extra if isinstance(extra, dict) else None)
                if isinstance(sub, dict):
                    _walk(sub, defs, item, (*loc, key), found)
            return
    elif isinstance(value, list):
        for branch in branches:
            items, prefix = branch.get("items"), branch.get("prefixItems")
            if isinstance(prefix, list):
                for index, (sub, item) in enumerate(zip(prefix, value)):
                    _walk(sub, defs, item, (*loc, index), found)
                return
            if isinstance(items, dict):
                for index, item in enumerate(value):
                    _walk(items, defs, item, (*loc, index), found)
                return


def _is_boolean(value: Any) -> bool:
    """A boolean, None (pydantic judges it), or ``true``/``false`` from the environment."""
    return value is None or isinstance(value, bool) or (type(value) is EnvText and value in ("true", "false"))
