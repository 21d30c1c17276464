"""docker-compose.yml is valid and runs the same versions as the local stack."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from dozor.stack import versions

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, object]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


def test_images_match_the_pinned_local_versions() -> None:
    services = compose()["services"]
    assert isinstance(services, dict)
    assert services["kafka"]["image"] == f"apache/kafka:{versions.KAFKA_VERSION}"
    assert services["elasticsearch"]["image"].endswith(f"elasticsearch:{versions.ES_VERSION}")
    assert services["kibana"]["image"].endswith(f"kibana:{versions.ES_VERSION}")
    assert services["s3proxy"]["image"] == f"andrewgaul/s3proxy:s3proxy-{versions.S3PROXY_VERSION}"


def test_every_dozor_service_and_health_check_is_there() -> None:
    services = compose()["services"]
    assert isinstance(services, dict)
    for name in (
        "collector",
        "enricher",
        "indexer",
        "ocr",
        "evidence",
        "evidence-seal",
        "alerter",
        "retention",
        "api",
        "kibana-setup",
        "prometheus",
    ):
        assert name in services, name
    for name in ("kafka", "elasticsearch", "kibana", "api"):
        assert "healthcheck" in services[name], name


def test_compose_config_validates(tmp_path: Path) -> None:
    tool = shutil.which("docker-compose")
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail("docker-compose (Debian package) is needed in CI to validate docker-compose.yml")
        pytest.skip("docker-compose not installed (apt-get install docker-compose)")
    for name in ("docker-compose.yml", "Dockerfile"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")  # Prometheus's config, mounted
    proc = subprocess.run([tool, "config", "-q"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_the_retention_service_runs_a_valid_command_on_the_mounted_policies() -> None:
    """The service's arguments as the CLI's own parser reads them, and the policy file it mounts loads."""
    from typer.main import get_command

    from cli.main import build
    from search.retention_cli import _duration
    from search.retention_policy import load_policies

    service = compose()["services"]["retention"]  # type: ignore[index]
    args = list(service["command"])
    assert args[:2] == ["retention", "apply"]
    root: Any = get_command(build())  # the CLI's own (typer's) click classes
    group: Any = root.get_command(root.context_class(root), "retention")
    apply: Any = group.get_command(group.context_class(group), "apply")
    assert apply is not None
    params = apply.make_context("apply", args[2:]).params  # unknown options or bad values raise here
    assert params["dry_run"] is False and _duration(params["every"]) == 24 * 3600
    mounts = dict(v.rsplit(":", 1)[0].split(":", 1)[::-1] for v in service["volumes"])
    source = ROOT / mounts[str(params["policies"])]
    names = [p.name for p in load_policies(source).policies]
    assert "official" in names and "community" in names
