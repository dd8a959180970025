"""``model_from_record``: the bot-file model of a runtime ``@record`` class.

Runtime settings (``TransportParams``, ``VADParams``, ``PipelineParams``, a transport's
server settings) are ``@record`` classes, so that using them in code never imports
pydantic. Their bot-file tables are derived from them here: the same keys, in the same
order, with the same defaults, and the description and limits each field declares with
:func:`~rtvi_core.records.setting`. A new setting is then one line in its record.
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, create_model

from .records import MISSING, settings_fields

_M = TypeVar("_M", bound=BaseModel)


class StrictModel(BaseModel):
    """A bot-file table: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


def model_from_record(
    source: type,
    name: str,
    doc: str,
    *,
    base: type[_M] = StrictModel,  # type: ignore[assignment]
    exclude: Collection[str] = (),
    types: Mapping[str, Any] | None = None,
    fields: Mapping[str, Mapping[str, Any]] | None = None,
) -> type[_M]:
    """A pydantic model named ``name`` with ``base``'s fields, then those of ``source`` (a
    ``@record`` class or a dataclass).

    Each record field becomes a key with the record's default (validated as a bot-file
    value) and the ``description`` and limits its :func:`~rtvi_core.records.setting`
    (a dataclass field: its ``metadata``) declares. ``exclude`` names fields that are not bot-file keys (Python objects such
    as processors or callables); ``types`` gives a field the bot file's own type (else
    the record's annotation); ``fields`` adds or overrides ``Field`` arguments of a
    field: limits and descriptions of records declared without
    :func:`~rtvi_core.records.setting`, or another default for this table.
    """
    table: dict[str, Any] = {}
    for spec in settings_fields(source):
        if spec.name in exclude or not spec.init:
            continue
        annotation = (types or {}).get(spec.name)
        if annotation is None:  # the record's own annotation, a string under PEP 563
            annotation = _annotation(source, spec.name)
        override = (fields or {}).get(spec.name, {})
        if "default" in override or "default_factory" in override:
            default = {}
        elif spec.factory is not MISSING:
            default = {"default_factory": spec.factory}
        else:
            default = {} if spec.default is MISSING else {"default": spec.default}
        extra = {**default, **spec.meta, **override}
        table[spec.name] = (annotation, Field(validate_default=True, **extra))
    module = sys._getframe(1).f_globals["__name__"]  # the caller's, as for a class statement
    return create_model(name, __base__=base, __doc__=doc, __module__=module, **table)


def _annotation(source: type, name: str) -> Any:
    """The annotation of field ``name`` (evaluated in its class's module if it is a string)."""
    for klass in source.__mro__:
        annotation = klass.__dict__.get("__annotations__", {}).get(name)
        if isinstance(annotation, str):
            return eval(annotation, vars(sys.modules[klass.__module__]))
        if annotation is not None:
            return annotation
    raise TypeError(f"{source.__name__}.{name} has no annotation")
