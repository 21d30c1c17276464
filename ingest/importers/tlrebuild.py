"""Telethon objects back from their ``to_dict()`` / ``to_json()`` form.

Scrapers dump ``Message.to_json()`` (or ``to_dict()`` through ``json.dumps(default=str)``): nested dicts
named by their ``_`` key. Rebuilding the real ``telethon.tl.types`` objects lets a dump go through the
very mapping the collector uses (``ingest.mapping``), so both paths give the same records.

Dates are converted where the constructors' annotations take a datetime: they come as ISO strings
(``isoformat()`` or ``str(datetime)``) or Unix times. Bytes stay as dumped (base64 from ``to_json``,
``b'...'`` reprs from ``default=str``): the mapping only compares them with each other (poll options).
Dumps come from other layers than the installed Telethon: missing arguments are None, unknown keys are
dropped, and a type this Telethon does not know becomes an :class:`Unrecognized` object named like it.
"""

from __future__ import annotations

import inspect
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
def _parameters(cls: type) -> dict[str, bool]:
    """Constructor argument -> whether it takes a datetime, from its annotations."""
    return {p.name: _mentions(p.annotation, datetime) for p in inspect.signature(cls).parameters.values()}


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
        return datetime.fromtimestamp(value, tz=UTC)
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
    for param, is_date in _parameters(cls).items():
        item = rebuild(value.get(param))
        kwargs[param] = to_datetime(item) if is_date else item
    return cls(**kwargs)
