"""The frame base classes: every frame is a system, data or control frame.

* **System frames** are handled the moment they are pushed: they never wait behind
  queued data, and an interruption never drops them.
* **Data frames** (audio, text, LLM output, ...) queue in order at each processor.
* **Control frames** (end of stream, LLM response boundaries, TTS start/stop, ...)
  queue in order with the data they frame.

A frame whose ``interruptible`` flag is false (every :class:`UninterruptibleFrame`,
and :class:`~rtvi_core.frames.control.EndFrame`) survives interruptions: it is not
dropped from queues and its processing is not cancelled.
"""

from __future__ import annotations

import itertools
import dataclasses
from dataclasses import field
from typing import Any, ClassVar, TypeVar

_T = TypeVar("_T")
_frame_ids = itertools.count(1)
_MISSING: Any = dataclasses.MISSING


class _FieldSpec:
    """One field of a frame class: name, default (or factory), in ``__init__``, in repr."""

    __slots__ = ("name", "default", "factory", "init", "repr")

    def __init__(self, name: str, default: Any, factory: Any, init: bool, repr: bool) -> None:
        self.name, self.default, self.factory, self.init, self.repr = name, default, factory, init, repr


def frame_dataclass(cls: type[_T]) -> type[_T]:
    """Build ``__init__`` for a frame class from its annotated fields (bases first).

    Like ``@dataclass(eq=False, repr=False)`` — fields, defaults, ``dataclasses.field``
    (``default_factory``, ``init=False``, ``repr=False``), ``__post_init__`` — but built with
    one ``exec`` per class, which keeps ``import rtvi_core`` fast with ~70 frame classes.
    Frames compare and hash by identity; ``Frame.__repr__`` serves every class.
    """
    specs: dict[str, _FieldSpec] = {}
    for base in reversed(cls.__mro__[1:]):
        for spec in base.__dict__.get("__frame_fields__", ()):
            specs[spec.name] = spec
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
            continue
        value = cls.__dict__.get(name, _MISSING)
        if isinstance(value, dataclasses.Field):
            spec = _FieldSpec(name, value.default, value.default_factory, value.init, value.repr)
            if value.default is _MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, value.default)
        else:
            spec = _FieldSpec(name, value, _MISSING, True, True)
        specs[name] = spec
    cls.__frame_fields__ = tuple(specs.values())  # type: ignore[attr-defined]

    params: list[str] = []
    body: list[str] = []
    namespace: dict[str, Any] = {"_MISSING": _MISSING}
    for spec in specs.values():
        name = spec.name
        if spec.default is not _MISSING:
            namespace[f"_d_{name}"] = spec.default
            value = f"_d_{name}"
        elif spec.factory is not _MISSING:
            namespace[f"_f_{name}"] = spec.factory
            value = f"_f_{name}()"
        else:
            value = None
        if not spec.init:
            if value is not None:
                body.append(f"self.{name} = {value}")
            continue
        if value is None:
            if params and "=" in params[-1]:
                raise TypeError(f"{cls.__name__}: field {name!r} without a default follows one with a default")
            params.append(name)
        elif spec.factory is not _MISSING:
            params.append(f"{name}=_MISSING")
            value = f"{value} if {name} is _MISSING else {name}"
            body.append(f"self.{name} = {value}")
            continue
        else:
            params.append(f"{name}={value}")
        body.append(f"self.{name} = {name}")
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    source = f"def __init__(self, {', '.join(params)}):\n    " + "\n    ".join(body or ["pass"])
    exec(source, namespace)  # noqa: S102 - generated from the class's own field names
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init  # type: ignore[misc]
    return cls


@frame_dataclass
class Frame:
    """Base of all frames.

    Every frame gets a process-unique, increasing ``id`` and a readable ``name``
    (``"TextFrame#42"``). ``metadata`` is free for applications; ``pts`` is a
    presentation timestamp in nanoseconds when a producer sets one.
    """

    id: int = field(init=False, repr=False)
    metadata: dict[str, Any] = field(init=False, repr=False)

    #: True for frames handled immediately (never queued behind data).
    is_system: ClassVar[bool] = False
    # Plain class attributes (not dataclass fields), overridable per instance, so
    # subclasses can declare required fields and instances stay small.
    interruptible = True  #: false: survives interruptions
    pts = None  #: presentation timestamp in nanoseconds, or None
    transport_source = None  #: name of the transport that produced the frame
    transport_destination = None  #: name of the transport the frame is meant for

    def __post_init__(self) -> None:
        self.id = next(_frame_ids)
        self.metadata = {}

    @property
    def name(self) -> str:
        """``ClassName#id``, used in logs and on the wire."""
        return f"{type(self).__name__}#{self.id}"

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}"
            for f in self.__frame_fields__  # type: ignore[attr-defined]
            if f.repr and f.init
        )
        return f"{self.name}({shown})"


@frame_dataclass
class SystemFrame(Frame):
    """A frame handled as soon as it is pushed, ahead of any queued frame."""

    is_system: ClassVar[bool] = True


@frame_dataclass
class DataFrame(Frame):
    """A frame carrying content; queued in order at every processor."""


@frame_dataclass
class ControlFrame(Frame):
    """A frame that steers processing; queued in order with the data it frames."""


@frame_dataclass
class UninterruptibleFrame(Frame):
    """Mixin marking a frame that interruptions neither drop nor cancel.

    List it after the system/data/control base: ``class F(DataFrame, UninterruptibleFrame)``.
    """

    interruptible = False
