"""JSONL of ``posts.raw`` records: each record's own ``channel`` is used as is."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pydantic import ValidationError

from dozor.dlq import problems
from dozor.records import RawPost
from ingest.importers import Bad
from ingest.mapping import DEFAULT_MAX_TEXT, BadInput, check_text


def _kind(exc: ValidationError) -> str:
    types = {err["type"] for err in exc.errors()}
    if "json_invalid" in types:
        message = str(exc).lower()
        # pydantic-core refuses lone surrogate escapes and bytes that are not UTF-8 while parsing
        return "invalid Unicode" if "unicode" in message or "hex escape" in message else "invalid JSON"
    if "model_type" in types and len(exc.errors()) == 1 and not exc.errors()[0]["loc"]:
        return "not a JSON object"
    if "missing" in types:
        return "missing field"
    return "wrong types"


def read(
    lines: Iterable[bytes], source: str, max_text_chars: int = DEFAULT_MAX_TEXT, first_line: int = 1
) -> Iterator[RawPost | Bad]:
    for number, line in enumerate(lines, first_line):
        body = line.strip()
        if not body:
            continue
        try:
            post = RawPost.model_validate_json(body)
            check_text(post.text, max_text_chars)
        except ValidationError as exc:
            yield Bad(body, _kind(exc), problems(exc), f"{source}:{number}")
            continue
        except BadInput as exc:
            yield Bad(body, exc.kind, str(exc), f"{source}:{number}")
            continue
        yield post
