"""docker-compose.yml is valid and runs the same versions as the local stack."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

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
