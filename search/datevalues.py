"""Which date values Elasticsearch's ``date`` fields take (``strict_date_optional_time||epoch_millis``,
and date math), so that a query names a bad date itself instead of failing in Elasticsearch."""

from __future__ import annotations

import re
from datetime import datetime

_ISO = re.compile(
    r"(?P<y>[0-9]{4})(?:-(?P<mo>[0-9]{2})(?:-(?P<d>[0-9]{2})"
    r"(?:T(?P<h>[0-9]{2})(?::(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2})(?:[.,][0-9]{1,9})?)?)?"
    r"(?:Z|[+-](?P<zh>[0-9]{2})(?::?(?P<zm>[0-9]{2}))?)?)?)?)?"
)
_EPOCH_MILLIS = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]+)?")  # 15 digits: past the year 30000 either way
_MATH = re.compile(r"(?:[+-][0-9]+[yMwdhHms]|/[yMwdhHms])*")


def _calendar(value: str) -> bool:
    found = _ISO.fullmatch(value)
    if found is None:
        return False
    parts = {k: int(v) for k, v in found.groupdict().items() if v is not None}
    if parts.get("zh", 0) * 60 + parts.get("zm", 0) > 18 * 60 or parts.get("zm", 0) > 59:
        return False  # offsets go to ±18:00
    try:
        datetime(
            parts["y"], parts.get("mo", 1), parts.get("d", 1), parts.get("h", 0), parts.get("mi", 0), parts.get("s", 0)
        )
    except ValueError:  # 2024-02-30, hour 24, second 60, year 0
        return False
    return True


def is_es_date(value: str) -> bool:
    """``2024``, ``2024-05-01T12:00Z``, ``1714560000000``, ``now-7d/d``, ``2024-05-01||+1M``: yes;
    ``2024-13``, ``2024-05-01 12:00``, ``NOW``, ``٢٠٢٤``: no."""
    if "||" in value:
        anchor, math = value.split("||", 1)
        return _calendar(anchor) and bool(_MATH.fullmatch(math))
    if value.startswith("now"):
        return bool(_MATH.fullmatch(value[3:]))
    return _calendar(value) or bool(_EPOCH_MILLIS.fullmatch(value))
