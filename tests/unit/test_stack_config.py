from __future__ import annotations

import socket
from pathlib import Path

import pytest

from dozor.errors import ConfigError, DozorError
from dozor.settings import DozorSettings
from dozor.stack.endpoints import Endpoints
from dozor.stack.fetch import unpack_zip
from dozor.stack.kafka_node import server_properties
from dozor.stack.process import Managed, port_free, require_free


def test_endpoints_follow_the_service_urls() -> None:
    ep = Endpoints.from_settings(DozorSettings(kafka_bootstrap="localhost:19092", es_url="http://127.0.0.1:19200"))
    assert (ep.kafka_host, ep.kafka_port, ep.controller_port) == ("127.0.0.1", 19092, 19093)
    assert (ep.es_port, ep.es_transport_port) == (19200, 19300)


def test_the_local_stack_refuses_remote_hosts() -> None:
    with pytest.raises(ConfigError, match="DOZOR_ES_URL"):
        Endpoints.from_settings(DozorSettings(es_url="http://search.example.org:9200"))


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
