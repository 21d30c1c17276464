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
        raise DozorError("Maven (mvn) is needed to fetch Kafka and Elasticsearch: apt-get install maven")
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


def ensure_es_zip(paths: StackPaths) -> Path:
    """The Elasticsearch zip in the cache, verified against the pinned SHA-256."""
    target = paths.es_zip
    if target.exists() and sha256(target) == ES_ZIP_SHA256:
        return target
    log.info("fetching Elasticsearch %s (Maven)", ES_VERSION)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        work = Path(tmp)
        (work / "pom.xml").write_text(KAFKA_POM)  # any pom: dependency:copy wants a project
        _mvn(["dependency:copy", f"-Dartifact={ES_ARTIFACT}", f"-DoutputDirectory={work}"], cwd=work)
        fetched = work / f"elasticsearch-{ES_VERSION}.zip"
        actual = sha256(fetched)
        if actual != ES_ZIP_SHA256:
            raise DozorError(
                f"Elasticsearch zip checksum mismatch: expected {ES_ZIP_SHA256}, got {actual}; not using it"
            )
        fetched.rename(target)
    return target


def unpack_zip(archive: Path, dest_parent: Path) -> None:
    """Unzip keeping the exec bits (zipfile.extractall drops them, and ES's bin/ needs them)."""
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            path = Path(zf.extract(info, dest_parent))
            mode = (info.external_attr >> 16) & 0o777
            if mode and not info.is_dir():
                os.chmod(path, mode)
