"""``@record``: a light dataclass for the many small classes of the runtime (frames, metrics).

It reads annotated fields (bases first), defaults and :func:`field` (``default``,
``default_factory``, ``init=False``, ``repr=False``; ``dataclasses.field`` works too)
or :func:`setting` (a field that is also a bot-file key: its description and limits),
and calls ``__post_init__`` like ``@dataclass`` does, but compiles each class's
``__init__`` on its first instantiation and never imports :mod:`dataclasses` (which
imports :mod:`inspect`). With about seventy frame classes, most never built by a given
bot, this keeps ``import rtvi_core`` several times faster than ``@dataclass`` would.
A ``@dataclass`` subclass of a record (e.g. a user's own frame) works as usual.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar, dataclass_transform, overload

_T = TypeVar("_T")


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


#: "No default" marker.
MISSING: Any = _Missing()
_MISSING = MISSING


#: The limits a :func:`setting` may declare (pydantic ``Field`` arguments of the same names).
SETTING_LIMITS = frozenset({"gt", "ge", "lt", "le", "min_length", "max_length", "pattern"})
_NO_META: Mapping[str, Any] = MappingProxyType({})


class Field:
    """A field declared with :func:`field` or :func:`setting`."""

    __slots__ = ("default", "default_factory", "init", "meta", "repr")

    def __init__(
        self, default: Any, default_factory: Any, init: bool, repr: bool, meta: Mapping[str, Any] = _NO_META
    ) -> None:
        self.default, self.default_factory, self.init, self.repr = default, default_factory, init, repr
        self.meta = meta


def field(*, default: Any = MISSING, default_factory: Any = MISSING, init: bool = True, repr: bool = True) -> Any:
    """Declare a record field with a default factory, or one left out of ``__init__``/repr."""
    return Field(default, default_factory, init, repr)


# What type checkers see of setting(): keywords only, since a dataclass_transform field
# specifier's default counts only when passed as ``default=`` (a positional default works
# at run time but a type checker would take the field as required); the type of a call is
# the field's.
@overload
def setting(
    *,
    default: _T,
    description: str = ...,
    gt: float = ...,
    ge: float = ...,
    lt: float = ...,
    le: float = ...,
    min_length: int = ...,
    max_length: int = ...,
    pattern: str = ...,
) -> _T: ...
@overload
def setting(
    *,
    default_factory: Callable[[], _T],
    description: str = ...,
    gt: float = ...,
    ge: float = ...,
    lt: float = ...,
    le: float = ...,
    min_length: int = ...,
    max_length: int = ...,
    pattern: str = ...,
) -> _T: ...
@overload
def setting(
    *,
    description: str = ...,
    gt: float = ...,
    ge: float = ...,
    lt: float = ...,
    le: float = ...,
    min_length: int = ...,
    max_length: int = ...,
    pattern: str = ...,
) -> Any: ...
def setting(default: Any = MISSING, description: str = "", *, default_factory: Any = MISSING, **limits: Any) -> Any:
    """Declare a record field that is also a bot-file key: its default, its description and its
    limits (``gt``, ``ge``, ``lt``, ``le``, ``min_length``, ``max_length``, ``pattern``).

    The record stays a plain class; :func:`rtvi_core.config.model_from_record` turns the
    description and limits into the bot-file model's, so each is written once, here.
    Pass ``default=`` (or ``default_factory=``) by name: type checkers read a field's
    default only from the keyword.
    """
    unknown = sorted(set(limits) - SETTING_LIMITS)
    if unknown:
        raise TypeError(f"setting(): unknown limit {', '.join(unknown)} (expected {', '.join(sorted(SETTING_LIMITS))})")
    meta = {"description": description, **limits} if description else dict(limits)
    return Field(default, default_factory, True, True, MappingProxyType(meta))


def _as_field(value: Any) -> Field | None:
    if isinstance(value, Field):
        return value
    dataclasses = sys.modules.get("dataclasses")  # only if someone else loaded it
    if dataclasses is not None and isinstance(value, dataclasses.Field):

        def plain(v: Any) -> Any:
            return MISSING if v is dataclasses.MISSING else v

        meta = {key: item for key, item in value.metadata.items() if key == "description" or key in SETTING_LIMITS}
        return Field(plain(value.default), plain(value.default_factory), value.init, value.repr, meta)
    return None


class FieldSpec:
    """One field: name, default (or factory), whether ``__init__`` takes it, whether shown, and
    what :func:`setting` declared about it (``description`` and limits; empty otherwise)."""

    __slots__ = ("default", "factory", "init", "meta", "name", "repr")

    def __init__(
        self, name: str, default: Any, factory: Any, init: bool, repr: bool, meta: Mapping[str, Any] = _NO_META
    ) -> None:
        self.name, self.default, self.factory, self.init, self.repr = name, default, factory, init, repr
        self.meta = meta


def _spec(name: str, declared: Field) -> FieldSpec:
    return FieldSpec(name, declared.default, declared.default_factory, declared.init, declared.repr, declared.meta)


@overload
@dataclass_transform(field_specifiers=(field, setting))
def record(cls: type[_T], *, eq: bool = False) -> type[_T]: ...
@overload
def record(cls: None = None, *, eq: bool = False) -> Callable[[type[_T]], type[_T]]: ...
def record(cls: type[_T] | None = None, *, eq: bool = False) -> Any:
    """Decorate a class as a record; ``eq=True`` adds field-wise equality (else identity).

    Type checkers see a record as a dataclass (``dataclass_transform``): its ``__init__``
    takes the fields, with :func:`field` and :func:`setting` declaring defaults.
    """

    def decorate(klass: type[_T]) -> type[_T]:
        target: Any = klass  # the class is filled in at run time: its new attributes are untyped
        target.__record_fields__ = _collect_fields(klass)
        target.__init__ = _lazy_init(klass)
        if klass.__repr__ is object.__repr__:
            target.__repr__ = _record_repr
        if eq:
            target.__eq__ = _record_eq
            target.__hash__ = None
        return klass

    return decorate if cls is None else decorate(cls)


def _collect_fields(cls: type) -> tuple[FieldSpec, ...]:
    specs: dict[str, FieldSpec] = {}
    for base in reversed(cls.__mro__[1:]):
        for spec in base.__dict__.get("__record_fields__", ()):
            specs[spec.name] = spec
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
            continue
        value = cls.__dict__.get(name, _MISSING)
        declared = _as_field(value)
        if declared is not None:
            spec = _spec(name, declared)
            if declared.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, declared.default)
        else:
            spec = FieldSpec(name, value, _MISSING, True, True)
        specs[name] = spec
    required_after_default = False
    for spec in specs.values():
        if not spec.init:
            continue
        has_default = spec.default is not _MISSING or spec.factory is not _MISSING
        if required_after_default and not has_default:
            raise TypeError(f"{cls.__name__}: field {spec.name!r} without a default follows one with a default")
        required_after_default = required_after_default or has_default
    return tuple(specs.values())


def _lazy_init(cls: type) -> Callable[..., None]:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        real = _build_init(cls)
        target: Any = cls
        target.__init__ = real
        real(self, *args, **kwargs)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _build_init(cls: type) -> Callable[..., None]:
    params: list[str] = []
    body: list[str] = []
    namespace: dict[str, Any] = {"_MISSING": _MISSING}
    for spec in settings_fields(cls):
        name = spec.name
        if spec.default is not _MISSING:
            namespace[f"_d_{name}"] = spec.default
            value: str | None = f"_d_{name}"
        elif spec.factory is not _MISSING:
            namespace[f"_f_{name}"] = spec.factory
            value = f"_f_{name}()"
        else:
            value = None
        if not spec.init:
            if value is not None:
                body.append(f"self.{name} = {value}")
        elif value is None:
            params.append(name)
            body.append(f"self.{name} = {name}")
        elif spec.factory is not _MISSING:
            params.append(f"{name}=_MISSING")
            body.append(f"self.{name} = {value} if {name} is _MISSING else {name}")
        else:
            params.append(f"{name}={value}")
            body.append(f"self.{name} = {name}")
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    source = f"def __init__(self, {', '.join(params)}):\n    " + "\n    ".join(body or ["pass"])
    exec(source, namespace)
    init: Callable[..., None] = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _record_repr(self: Any) -> str:
    shown = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in self.__record_fields__ if f.repr and f.init)
    return f"{type(self).__name__}({shown})"


def _record_eq(self: Any, other: Any) -> bool:
    if type(other) is not type(self):
        return NotImplemented  # type: ignore[no-any-return]  # mypy allows it only in a method named __eq__
    return all(getattr(self, f.name) == getattr(other, f.name) for f in self.__record_fields__)


def settings_fields(cls: type) -> tuple[FieldSpec, ...]:
    """The fields of a ``@record`` class or a dataclass (whose ``field(metadata=...)`` may hold
    a ``description`` and the limits :func:`setting` takes), in declaration order."""
    record_fields: tuple[FieldSpec, ...] | None = getattr(cls, "__record_fields__", None)
    if record_fields is not None:
        return record_fields
    if not hasattr(cls, "__dataclass_fields__"):
        raise TypeError(f"{cls.__name__} is neither a @record class nor a dataclass")
    dataclasses = sys.modules["dataclasses"]  # loaded: cls is a dataclass
    return tuple(_spec(f.name, _as_field(f)) for f in dataclasses.fields(cls))  # type: ignore[arg-type]


def split_record(cls: type[_T], values: Mapping[str, Any]) -> tuple[_T, dict[str, Any]]:
    """``cls`` (a ``@record`` class or a dataclass) built from the entries of ``values`` named
    like its fields, and the other entries.

    What a component's ``from_config`` uses to hand a settings object its share of flat
    bot-file settings (``TransportParams``, ``VADParams``) and keep the rest as keywords.
    """
    names = {spec.name for spec in settings_fields(cls) if spec.init}
    own = {key: value for key, value in values.items() if key in names}
    return cls(**own), {key: value for key, value in values.items() if key not in names}
