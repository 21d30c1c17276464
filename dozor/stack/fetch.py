"""Fetch the stack's artifacts through Maven (the machine's Java tool chain) into the cache, once."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from dozor.errors import DozorError
from dozor.stack.paths import StackPaths
from dozor.stack.versions import (
    ES_ARTIFACT,
    ES_VERSION,
    ES_ZIP_SHA256,
    KAFKA_VERSION,
    LOG4J_VERSION,
    S3PROXY_ARTIFACT,
    S3PROXY_JAR_SHA256,
    S3PROXY_VERSION,
    SCALA_VERSION,
)

log = logging.getLogger(__name__)

KAFKA_POM = f"""<project>
  <modelVersion>4.0.0</modelVersion>
  <groupId>org.dozor</groupId><artifactId>local-kafka</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_{SCALA_VERSION}</artifactId>
      <version>{KAFKA_VERSION}</version></dependency>
    <!-- Kafka logs through SLF4J 1.7, so it takes log4j2's 1.x binding. -->
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId>
      <version>{LOG4J_VERSION}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId>
      <version>{LOG4J_VERSION}</version></dependency>
  </dependencies>
</project>
"""


def _mvn(args: list[str], cwd: Path) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise DozorError("Maven (mvn) is needed to fetch Kafka, Elasticsearch and S3Proxy: apt-get install maven")
    proc = subprocess.run([mvn, "-B", "-q", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-8:])
        raise DozorError(f"Maven could not fetch the stack artifacts:\n{tail}")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def ensure_kafka(paths: StackPaths) -> Path:
    """Kafka's runtime jars in the cache; fetched with Maven (checksums strictly verified) once."""
    lib = paths.kafka_lib
    marker = lib.parent / ".complete"
    if marker.exists():
        return lib
    log.info("fetching Kafka %s (Maven, strict checksums)", KAFKA_VERSION)
    lib.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=lib.parent) as tmp:
        work = Path(tmp)
        (work / "pom.xml").write_text(KAFKA_POM)
        _mvn(
            [
                "--strict-checksums",
                "dependency:copy-dependencies",
                "-DincludeScope=runtime",
                f"-DoutputDirectory={work / 'lib'}",
            ],
            cwd=work,
        )
        if lib.exists():
            shutil.rmtree(lib)
        (work / "lib").rename(lib)
    marker.write_text(KAFKA_VERSION + "\n")
    return lib


def _ensure_pinned(artifact: str, fetched_name: str, target: Path, expected: str, what: str, *, strict: bool) -> Path:
    """One Maven artifact in the cache, verified against its pinned SHA-256 (fetched once). `strict`:
    Maven also checks Central's checksum file (only where Central publishes one)."""
    if target.exists() and sha256(target) == expected:
        return target
    log.info("fetching %s (Maven)", what)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        work = Path(tmp)
        (work / "pom.xml").write_text(KAFKA_POM)  # any pom: dependency:copy wants a project
        _mvn(
            [
                *(["--strict-checksums"] if strict else []),
                "dependency:copy",
                f"-Dartifact={artifact}",
                f"-DoutputDirectory={work}",
            ],
            cwd=work,
        )
        fetched = work / fetched_name
        actual = sha256(fetched)
        if actual != expected:
            raise DozorError(f"{what} checksum mismatch: expected {expected}, got {actual}; not using it")
        fetched.rename(target)
    return target


def ensure_es_zip(paths: StackPaths) -> Path:
    """The Elasticsearch zip in the cache (Central has no checksum files for it: the pin is the check)."""
    return _ensure_pinned(
        ES_ARTIFACT,
        f"elasticsearch-{ES_VERSION}.zip",
        paths.es_zip,
        ES_ZIP_SHA256,
        f"Elasticsearch {ES_VERSION}",
        strict=False,
    )


def ensure_s3proxy(paths: StackPaths) -> Path:
    """S3Proxy's self-contained jar in the cache (Maven's checksum check plus the pinned SHA-256)."""
    name = paths.s3proxy_jar.name
    return _ensure_pinned(
        S3PROXY_ARTIFACT, name, paths.s3proxy_jar, S3PROXY_JAR_SHA256, f"S3Proxy {S3PROXY_VERSION}", strict=True
    )


def unpack_zip(archive: Path, dest_parent: Path) -> None:
    """Unzip keeping the exec bits (zipfile.extractall drops them, and ES's bin/ needs them)."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            path = Path(zf.extract(info, dest_parent))
            mode = (info.external_attr >> 16) & 0o777
            if mode and not info.is_dir():
                os.chmod(path, mode)
