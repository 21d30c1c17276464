"""Parsing a query with luqum, and the one error a query can raise: :class:`QuerySyntaxError`, which knows
where in the query it went wrong. luqum reports its own errors in several forms (a ParseError with the
position in its message; a ValueError or decimal error from a tree it builds while parsing); each becomes
a QuerySyntaxError with a position and a one-line reason."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from luqum.exceptions import ParseError
from luqum.thread import parse
from luqum.tree import Item

from dozor.errors import UsageError

_POSITION = re.compile(r"position (\d+)")
_FRACTIONAL_SLOP = re.compile(r'"~[0-9]*\.')
_FUZZY_DEGREE = re.compile(r"~([0-9.]*)")  # what luqum's lexer reads as a ~'s number
_NOISE = re.compile(r"\s*(at position \d+|at the end)!?")


def _is_decimal(number: str) -> bool:
    try:
        Decimal(number or "0")
    except InvalidOperation:
        return False
    return True


class QuerySyntaxError(UsageError):
    """A query that cannot be parsed or uses what the language does not allow; knows where."""

    def __init__(self, message: str, position: int | None = None) -> None:
        where = f" at position {position}" if position is not None else ""
        super().__init__(f"query error{where}: {message}")
        self.reason = message
        self.position = position


def parse_query(text: str) -> Item:
    """The query's tree; raises :class:`QuerySyntaxError`."""
    try:
        return parse(text)
    except ParseError as exc:
        msg = str(exc)
        found = _POSITION.search(msg)
        position = int(found.group(1)) if found else len(text)
        reason = msg.split(":", 1)[-1] if "Syntax error" in msg else msg
        reason = _NOISE.sub("", reason)
        reason = " ".join(reason.split()).rstrip("!").strip()
        raise QuerySyntaxError(reason or "cannot parse the query", position) from None
    except InvalidOperation:  # Decimal(".") for a word's ~ with no digits in its number ("a~.")
        bad = next((m for m in _FUZZY_DEGREE.finditer(text) if not _is_decimal(m.group(1))), None)
        position = bad.start() + 1 if bad else 0
        raise QuerySyntaxError("~ after a word takes a number (a~1, a~0.5)", position) from None
    except ValueError:  # luqum builds the tree while parsing: int("1.5") for the ~ of a phrase
        tilde = _FRACTIONAL_SLOP.search(text)
        position = tilde.start() + 1 if tilde else 0
        raise QuerySyntaxError('~ after a phrase takes a whole number of words ("a b"~2)', position) from None
