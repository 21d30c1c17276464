"""Elasticsearch role definitions for the people who use Kibana (`dozor kibana roles`), one per Dozor
role: read-only on the posts and their edit history for everyone, the saved searches and fired alerts
for analysts, and the audit log for admins alone. None may write, and none but the admin role names an
index the audit log's name matches. Each goes to `PUT _security/role/<name>` (its JSON) or, on a file
realm, into `config/roles.yml` (the YAML); Kibana's own privileges are granted in Kibana."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

import yaml

from dozor.settings import DozorSettings

READ = ["read", "view_index_metadata"]


def _indices(prefix: str, role: str) -> list[str]:
    names = [f"{prefix}-posts*", f"{prefix}-post-versions"]
    if role in ("analyst", "admin"):
        names += [f"{prefix}-searches", f"{prefix}-alerts"]
    if role == "admin":
        names += [f"{prefix}-audit", f"{prefix}-evidence*"]
    return names


def roles(settings: DozorSettings) -> dict[str, dict[str, Any]]:
    """Role name -> its definition, for the index prefix of ``settings``."""
    prefix = settings.index_prefix
    out: dict[str, dict[str, Any]] = {}
    for role in ("viewer", "analyst", "admin"):
        out[f"{prefix}_kibana_{role}"] = {
            "cluster": ["monitor"] if role == "admin" else [],
            "indices": [
                {"names": _indices(prefix, role), "privileges": list(READ), "allow_restricted_indices": False},
                # Kibana's data views and saved objects live in its own indices: Kibana grants those.
            ],
            "metadata": {"dozor_role": role, "generated_by": "dozor kibana roles"},
        }
    return out


def reaches(definition: dict[str, Any], index: str) -> bool:
    """Whether a role definition names ``index`` (by name or pattern)."""
    return any(fnmatchcase(index, name) for spec in definition["indices"] for name in spec["names"])


class _PlainDumper(yaml.SafeDumper):
    """No anchors and aliases (`&id001`, `*id001`) for lists the roles share: Elasticsearch's roles.yml
    parser does not resolve them, and skips every role that uses one."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def as_yaml(definitions: dict[str, dict[str, Any]]) -> str:
    return yaml.dump(definitions, Dumper=_PlainDumper, sort_keys=True, allow_unicode=True)
