"""S3Proxy on loopback: an S3-compatible server over a local directory (jclouds' filesystem backend),
run from its self-contained jar, so the S3 path of the media store is tested against a real server."""

from __future__ import annotations

import json
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.session import get_session
from pydantic import SecretStr

from dozor.errors import DozorError
from dozor.settings import BlobSettings
from dozor.stack.endpoints import Endpoints
from dozor.stack.paths import StackPaths
from dozor.stack.process import Managed, require_free, tail

LOCAL_BUCKET = "dozor-media"
LOCAL_KEY = "dozor-local"
# Bodies above this must come as multipart uploads (the store's parts are smaller).
MAX_SINGLE_PUT = 64 << 20


@dataclass(frozen=True)
class S3Credentials:
    key: str
    secret: SecretStr


def credentials_file(paths: StackPaths, port: int) -> Path:
    return paths.home / f"s3proxy-{port}" / "credentials.json"


def local_credentials(paths: StackPaths, port: int, *, create: bool = False) -> S3Credentials | None:
    """The key and secret the local S3Proxy on `port` accepts when the settings name none: generated
    once, kept in a mode-0600 file under the stack home (never printed)."""
    path = credentials_file(paths, port)
    try:
        data = json.loads(path.read_text())
        return S3Credentials(str(data["key"]), SecretStr(str(data["secret"])))
    except (OSError, ValueError, KeyError):
        if not create:
            return None
    path.parent.mkdir(parents=True, exist_ok=True)
    creds = S3Credentials(LOCAL_KEY, SecretStr(secrets.token_urlsafe(24)))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"key": creds.key, "secret": creds.secret.get_secret_value()}, fh)
    return creds


def s3_client(endpoint: str, creds: S3Credentials, region: str = "us-east-1", timeout_s: float = 5.0) -> Any:
    """A plain botocore S3 client. Checksums only when required: S3-compatible servers (S3Proxy
    included) answer NotImplemented to the newer default checksum headers."""
    config = Config(
        connect_timeout=timeout_s,
        read_timeout=timeout_s,
        retries={"max_attempts": 1},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return get_session().create_client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=creds.key,
        aws_secret_access_key=creds.secret.get_secret_value(),
        config=config,
    )


def _prop(value: str) -> str:
    """A Java properties value: backslashes and line breaks escaped."""
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")


def tree_usage(root: Path) -> tuple[int, int]:
    """(files, bytes) under a directory; (0, 0) when it does not exist."""
    files = size = 0
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            try:
                size += os.stat(os.path.join(dirpath, name)).st_size
                files += 1
            except OSError:
                continue  # removed while we walked
    return files, size


class S3ProxyNode:
    name = "s3proxy"

    def __init__(self, paths: StackPaths, ep: Endpoints, settings: BlobSettings) -> None:
        self.paths, self.ep = paths, ep
        self.dir = paths.home / f"s3proxy-{ep.s3_port}"
        self.data = self.dir / "data"
        self.log_dir = self.dir / "logs"
        self.proc = Managed("s3proxy", paths.run / f"s3proxy-{ep.s3_port}.pid")
        self.jar = paths.s3proxy_jar
        self.region = settings.media_s3_region
        self.bucket = settings.media_bucket or LOCAL_BUCKET
        given = settings.media_s3_key, settings.media_s3_secret
        self._given = S3Credentials(given[0], given[1]) if given[0] and given[1] else None
        self._client: Any = None

    @property
    def url(self) -> str:
        return f"http://{self.ep.s3_host}:{self.ep.s3_port}"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "stdout.log"

    def credentials(self, *, create: bool = False) -> S3Credentials | None:
        return self._given or local_credentials(self.paths, self.ep.s3_port, create=create)

    def configure(self) -> Path:
        self.data.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        creds = self.credentials(create=True)
        assert creds is not None
        props = {
            "s3proxy.endpoint": self.url,
            "s3proxy.authorization": "aws-v2-or-v4",
            "s3proxy.identity": creds.key,
            "s3proxy.credential": creds.secret.get_secret_value(),
            "s3proxy.v4-max-non-chunked-request-size": str(MAX_SINGLE_PUT),
            "jclouds.provider": "filesystem",
            "jclouds.filesystem.basedir": str(self.data),
        }
        conf = self.dir / "s3proxy.conf"
        fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds the secret
        with os.fdopen(fd, "w") as fh:
            fh.write("".join(f"{k}={_prop(v)}\n" for k, v in props.items()))
        return conf

    def start(self) -> None:
        require_free(self.ep.s3_host, self.ep.s3_port, "S3Proxy", "DOZOR_MEDIA_S3_ENDPOINT")
        java = shutil.which("java")
        if java is None:
            raise DozorError("Java 17+ is needed for the local S3Proxy: apt-get install openjdk-17-jre-headless")
        conf = self.configure()
        cmd = [
            java,
            "-Xms64m",
            "-Xmx256m",
            "-Djava.awt.headless=true",
            "-jar",
            str(self.jar),
            "--properties",
            str(conf),
        ]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "LOG_LEVEL": "warn"}
        self._client = None
        self.proc.start(cmd, cwd=self.dir, env=env, log_file=self.log_file)

    def client(self) -> Any:
        if self._client is None:
            creds = self.credentials()
            if creds is None:
                return None
            self._client = s3_client(self.url, creds, self.region, timeout_s=2.0)
        return self._client

    def answers(self) -> bool:
        """Something speaking S3 listens there (an unsigned request is refused, but answered)."""
        try:
            return "x-amz-request-id" in httpx.get(self.url, timeout=2.0).headers
        except httpx.HTTPError:
            return False

    def healthy(self) -> bool:
        """The server answers a signed request for the stack's bucket."""
        client = self.client()
        if client is None or not self.answers():
            return False
        try:
            client.head_bucket(Bucket=self.bucket)
            return True
        except (BotoCoreError, ClientError):
            return False

    def ensure_bucket(self) -> None:
        try:
            self.client().create_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
                raise DozorError(f"S3Proxy refused to create the bucket {self.bucket}: {exc}") from None

    def usage(self) -> tuple[int, int]:
        """Objects and bytes in the stack's bucket, read from the backend directory."""
        return tree_usage(self.data / self.bucket)

    def ready_or_raise(self, remaining_s: float) -> bool:
        """True when healthy (creating the bucket once it answers); raises when it died or time is up."""
        if not self.proc.alive():
            raise DozorError(f"S3Proxy exited during start. Last lines of {self.log_file}:\n{tail(self.log_file)}")
        if self.answers():
            self.ensure_bucket()
            if self.healthy():
                return True
        if remaining_s > 0:
            return False
        raise DozorError(
            f"S3Proxy not ready after the timeout. Last lines of {self.log_file}:\n{tail(self.log_file)}\n"
            "Check the log, then `dozor stack down` and `dozor stack up` again."
        )
