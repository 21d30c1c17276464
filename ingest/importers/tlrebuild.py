"""Telethon objects back from their ``to_dict()`` / ``to_json()`` form.

Scrapers dump ``Message.to_json()`` (or ``to_dict()`` through ``json.dumps(default=str)``): nested dicts
named by their ``_`` key. Rebuilding the real ``telethon.tl.types`` objects lets a dump go through the
very mapping the collector uses (``ingest.mapping``), so both paths give the same records.

Dates are converted where the constructors' annotations take a datetime: they come as ISO strings
(``isoformat()`` or ``str(datetime)``) or Unix times. Bytes stay as dumped (base64 from ``to_json``,
``b'...'`` reprs from ``default=str``): the mapping only compares them with each other (poll options).
Dumps come from other layers than the installed Telethon: missing arguments are None, unknown keys are
dropped, and a type this Telethon does not know becomes an :class:`Unrecognized` object named like it.
A value of the wrong kind for its argument (a dict for ``Message.id``, a number for ``message``) is a
ValueError naming the argument: the mapping then only sees the types Telethon itself would give it.
"""

from __future__ import annotations

import inspect
import types
import typing
from datetime import UTC, datetime
from functools import cache
from typing import Any

from telethon.tl import types as tl
from telethon.tl.alltlobjects import tlobjects
from telethon.tl.tlobject import TLRequest


class Unrecognized:
    """A TL object of a type (or layer) the installed Telethon lacks; its fields stay as attributes."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


@cache
def _classes() -> dict[str, type]:
    """Type name -> class; where a name exists in several namespaces, the top-level type wins."""
    out: dict[str, type] = {}
    for cls in tlobjects.values():
        if issubclass(cls, TLRequest):
            continue
        if cls.__name__ not in out or cls.__module__ == tl.__name__:
            out[cls.__name__] = cls
    return out


@cache
def _unrecognized(name: str) -> type[Unrecognized]:
    return type(name, (Unrecognized,), {})


@cache
def _parameters(cls: type) -> dict[str, Any]:
    """Constructor argument -> its annotation."""
    return {p.name: p.annotation for p in inspect.signature(cls).parameters.values()}


_SCALARS = (int, float, str, bool, bytes, datetime)


def _fits(value: Any, annotation: Any) -> bool:
    """Whether a rebuilt value can be the argument annotated so. Only plain values and lists are held
    to their annotation: layers differ in TL types (a poll question was a string before layer 178)."""
    if value is None or isinstance(value, Unrecognized):
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return any(_fits(value, arg) for arg in typing.get_args(annotation))
    if origin is list:
        args = typing.get_args(annotation)
        return isinstance(value, list) and all(_fits(item, args[0] if args else Any) for item in value)
    if annotation is bytes:
        return isinstance(value, bytes | str)  # kept as dumped: base64 or a b'...' repr
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if annotation is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if annotation in _SCALARS:
        return isinstance(value, annotation)
    return annotation is not type(None)  # a TL type, of this layer or another


def _mentions(annotation: Any, wanted: type) -> bool:
    """Whether an annotation (possibly Optional/Union/List) names ``wanted``; forward references are
    TL type names, never a date."""
    if annotation is wanted:
        return True
    return any(_mentions(arg, wanted) for arg in typing.get_args(annotation))


def to_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError) as exc:
            raise ValueError(f"{value!r:.40} is not a date ({exc})") from None
    if isinstance(value, str):
        when = datetime.fromisoformat(value)
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when
    raise ValueError(f"{value!r:.40} is not a date")


def rebuild(value: Any) -> Any:
    """The Telethon object (or list of them) a ``to_dict()`` value stands for; plain values as they are."""
    if isinstance(value, list):
        return [rebuild(item) for item in value]
    if not isinstance(value, dict):
        return value
    name = value.get("_")
    if not isinstance(name, str):
        return {key: rebuild(item) for key, item in value.items()}
    cls = _classes().get(name)
    if cls is None:
        return _unrecognized(name)(**{key: rebuild(item) for key, item in value.items() if key != "_"})
    kwargs: dict[str, Any] = {}
    for param, annotation in _parameters(cls).items():
        item = rebuild(value.get(param))
        if _mentions(annotation, datetime):
            item = to_datetime(item)
        if not _fits(item, annotation):
            raise ValueError(f"{name}.{param} is {type(item).__name__} {item!r:.40}, not what Telethon has there")
        kwargs[param] = item
    return cls(**kwargs)
