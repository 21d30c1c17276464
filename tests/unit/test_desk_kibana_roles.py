"""Generated Elasticsearch roles for Kibana users: read-only; the audit log for the admin role only."""

from __future__ import annotations

import yaml

from dozor.settings import DozorSettings
from surfaces.kibana.roles import as_yaml, reaches, roles


def test_read_only_and_the_audit_log_for_admins_only() -> None:
    defs = roles(DozorSettings(index_prefix="dz"))
    assert set(defs) == {"dz_kibana_viewer", "dz_kibana_analyst", "dz_kibana_admin"}
    for name, definition in defs.items():
        assert reaches(definition, "dz-posts-2026.10") and reaches(definition, "dz-post-versions")
        assert reaches(definition, "dz-audit") == (name == "dz_kibana_admin")
        assert not reaches(definition, "dz-alert-rules") and not reaches(definition, "other-posts-2026.10")
        privileges = {p for spec in definition["indices"] for p in spec["privileges"]}
        assert privileges == {"read", "view_index_metadata"}
    assert reaches(defs["dz_kibana_analyst"], "dz-searches") and not reaches(defs["dz_kibana_viewer"], "dz-searches")
    text = as_yaml(defs)
    assert "dz_kibana_admin:" in text and yaml.safe_load(text) == defs
    assert "&" not in text and "*id" not in text  # no YAML aliases: Elasticsearch's roles.yml skips roles using one
