"""Where the stack keeps downloads (cache) and runtime state (home)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dozor.stack.versions import ES_VERSION, KAFKA_VERSION, S3PROXY_VERSION


@dataclass(frozen=True)
class StackPaths:
    cache: Path  # downloads, reusable across stacks: ~/.cache/dozor
    home: Path  # runtime: installs, data, logs, pid files

    @classmethod
    def default(cls) -> StackPaths:
        cache = Path(os.environ.get("DOZOR_CACHE_DIR") or Path.home() / ".cache" / "dozor")
        # Root's home is mode 700, so the non-root ES user could not read an install under it.
        fallback = Path("/var/lib/dozor") if os.geteuid() == 0 else Path.home() / ".local/share/dozor"
        home = Path(os.environ.get("DOZOR_STACK_HOME") or fallback)
        return cls(cache=cache, home=home)

    @property
    def kafka_lib(self) -> Path:
        return self.cache / f"kafka_2.13-{KAFKA_VERSION}" / "lib"

    @property
    def es_zip(self) -> Path:
        return self.cache / f"elasticsearch-{ES_VERSION}.zip"

    @property
    def es_install(self) -> Path:
        return self.home / f"elasticsearch-{ES_VERSION}"

    @property
    def s3proxy_jar(self) -> Path:
        return self.cache / f"s3proxy-{S3PROXY_VERSION}-jar-with-dependencies.jar"

    @property
    def run(self) -> Path:
        return self.home / "run"

    def data(self, service: str, port: int) -> Path:
        return self.home / f"{service}-{port}" / "data"

    def logs(self, service: str, port: int) -> Path:
        return self.home / f"{service}-{port}" / "logs"
