from __future__ import annotations

import socket
from pathlib import Path

import pytest

from dozor.errors import ConfigError, DozorError
from dozor.settings import BlobSettings, DozorSettings
from dozor.stack.endpoints import Endpoints
from dozor.stack.fetch import unpack_zip
from dozor.stack.kafka_node import server_properties
from dozor.stack.paths import StackPaths
from dozor.stack.process import Managed, port_free, require_free
from dozor.stack.s3proxy_node import S3ProxyNode, local_credentials


def test_endpoints_follow_the_service_urls() -> None:
    ep = Endpoints.from_settings(DozorSettings(kafka_bootstrap="localhost:19092", es_url="http://127.0.0.1:19200"))
    assert (ep.kafka_host, ep.kafka_port, ep.controller_port) == ("127.0.0.1", 19092, 19093)
    assert (ep.es_port, ep.es_transport_port) == (19200, 19300)


def test_the_local_stack_refuses_remote_hosts() -> None:
    with pytest.raises(ConfigError, match="DOZOR_ES_URL"):
        Endpoints.from_settings(DozorSettings(es_url="http://search.example.org:9200"))
    with pytest.raises(ConfigError, match="DOZOR_MEDIA_S3_ENDPOINT"):
        Endpoints.from_settings(BlobSettings(media_s3_endpoint="http://s3.example.org:9000"))


def test_s3proxy_port_follows_its_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("DOZOR_KAFKA_BOOTSTRAP", "DOZOR_ES_URL", "DOZOR_MEDIA_S3_ENDPOINT"):
        monkeypatch.delenv(var, raising=False)
    ep = Endpoints.from_settings(DozorSettings())
    # The default must not collide with the other services' ports (ES transport is 9300).
    assert ep.s3_port == 9000 and ep.s3_port not in {
        ep.kafka_port,
        ep.controller_port,
        ep.es_port,
        ep.es_transport_port,
    }
    assert Endpoints.from_settings(BlobSettings(media_s3_endpoint="http://localhost:19000")).s3_port == 19000
    monkeypatch.setenv("DOZOR_MEDIA_S3_ENDPOINT", "http://127.0.0.1:29000")
    assert Endpoints.from_settings(DozorSettings()).s3_port == 29000  # read from the environment


def test_s3proxy_config_keeps_its_secret_private(tmp_path: Path) -> None:
    paths = StackPaths(cache=tmp_path / "cache", home=tmp_path / "home")
    settings = BlobSettings(media_s3_endpoint="http://127.0.0.1:19000", media_url="s3://evidence/media")
    node = S3ProxyNode(paths, Endpoints.from_settings(settings), settings)
    conf = node.configure()
    creds = local_credentials(paths, 19000)
    assert creds is not None and node.bucket == "evidence"
    assert f"s3proxy.credential={creds.secret.get_secret_value()}" in conf.read_text()
    assert "s3proxy.endpoint=http://127.0.0.1:19000" in conf.read_text()
    for path in (conf, paths.home / "s3proxy-19000" / "credentials.json"):
        assert path.stat().st_mode & 0o777 == 0o600
    node.configure()
    assert local_credentials(paths, 19000) == creds  # generated once, then reused
    given = BlobSettings(media_s3_endpoint="http://127.0.0.1:19000", media_s3_key="k", media_s3_secret="a\\b")
    text = S3ProxyNode(paths, Endpoints.from_settings(given), given).configure().read_text()
    assert "s3proxy.identity=k\n" in text and "s3proxy.credential=a\\\\b\n" in text


def test_kraft_properties_use_bootstrap_servers(tmp_path: Path) -> None:
    props = server_properties(Endpoints("127.0.0.1", 9092, "127.0.0.1", 9200), tmp_path)
    assert "controller.quorum.bootstrap.servers=127.0.0.1:9093" in props
    assert "controller.quorum.voters" not in props
    assert "group.initial.rebalance.delay.ms=0" in props
    assert "auto.create.topics.enable=true" in props


def test_a_taken_port_is_named() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert not port_free("127.0.0.1", port)
        with pytest.raises(DozorError, match=f"port {port} .*DOZOR_ES_URL"):
            require_free("127.0.0.1", port, "Elasticsearch HTTP", "DOZOR_ES_URL")


def test_unzip_keeps_exec_bits(tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("pkg/bin/run")
        info.external_attr = 0o755 << 16
        zf.writestr(info, "#!/bin/sh\necho hi\n")
        zf.writestr("pkg/README", "text")
    unpack_zip(archive, tmp_path / "out")
    assert (tmp_path / "out/pkg/bin/run").stat().st_mode & 0o111
    assert (tmp_path / "out/pkg/README").read_text() == "text"


def test_stop_never_signals_a_process_we_did_not_start(tmp_path: Path) -> None:
    import json
    import os

    pid_file = tmp_path / "x.pid"
    # Our own pid with a wrong start time: it must be treated as "not ours".
    pid_file.write_text(json.dumps({"pid": os.getpid(), "start": 1}))
    managed = Managed("x", pid_file)
    assert managed.running_pid() is None
    assert managed.stop() is False
    assert not pid_file.exists()


def test_start_and_stop_a_process_group(tmp_path: Path) -> None:
    managed = Managed("sleeper", tmp_path / "s.pid")
    pid = managed.start(
        ["sh", "-c", "sleep 30 & sleep 30"], cwd=tmp_path, env={"PATH": "/usr/bin:/bin"}, log_file=tmp_path / "s.log"
    )
    assert managed.running_pid() == pid
    assert managed.stop(timeout_s=5) is True
    assert managed.running_pid() is None


def test_a_taken_s3_port_is_named_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        settings = BlobSettings(media_s3_endpoint=f"http://127.0.0.1:{port}")
        node = S3ProxyNode(StackPaths(tmp_path / "c", tmp_path / "h"), Endpoints.from_settings(settings), settings)
        with pytest.raises(DozorError, match=f"port {port} .*S3Proxy.*DOZOR_MEDIA_S3_ENDPOINT"):
            node.start()
        assert not node.proc.alive()
