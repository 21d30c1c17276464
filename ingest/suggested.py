"""Channels suggested for the registry (channel discovery's "add to registry"), waiting for review.

They go to a file of their own next to the registry: ``channels.yaml`` -> ``channels.suggested.yaml``,
in the registry's format, every entry ``enabled: false`` with a note of who suggested it, when and why.
The collector reads only the registry (DOZOR_REGISTRY), so nothing suggested is collected until a person
moves the entry into the registry and enables it.
"""

from __future__ import annotations

import fcntl
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from dozor import yaml_text
from ingest import registry as reg


def suggested_path(registry: Path) -> Path:
    return registry.with_name(f"{registry.stem}.suggested{registry.suffix or '.yaml'}")


def _read(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    data = yaml_text.safe_load(path.read_text(encoding="utf-8")) or {}
    channels = data.get("channels") if isinstance(data, dict) else None
    return [c for c in channels if isinstance(c, dict)] if isinstance(channels, list) else []


def add(registry: Path, ref: str | int, *, title: str | None, by: str, reason: str) -> tuple[Path, bool]:
    """Append a review entry for ``ref`` (@username or channel id); False when the registry or the
    suggestions already name it. The entry is validated as a registry entry before it is written."""
    entry = reg.ChannelEntry.model_validate(
        {
            "channel": ref,
            "title": title,
            "enabled": False,
            "notes": f"suggested by {by} on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {reason}",
        }
    )
    path = suggested_path(registry)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two people adding at once both land
        known = reg.load(registry) if registry.is_file() else None
        entries = _read(path)
        others = reg.parse({"channels": entries}, str(path)) if entries else None
        if any(r is not None and r.find(entry.channel) is not None for r in (known, others)):
            return path, False
        entries.append(entry.model_dump(mode="json", exclude_defaults=True) | {"enabled": False})
        tmp = path.with_name(path.name + ".tmp")
        header = "# Suggested by channel discovery; review, then move entries into the registry and enable them.\n"
        tmp.write_text(header + yaml.safe_dump({"channels": entries}, allow_unicode=True, sort_keys=False), "utf-8")
        os.replace(tmp, path)
    return path, True
