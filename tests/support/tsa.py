"""A real RFC 3161 time-stamping authority on loopback for tests: Debian's `openssl ts -reply` behind a
small HTTP server, with a throwaway CA and TSA certificate made by `openssl` in a temporary directory."""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

_CONFIG = """\
[ tsa ]
default_tsa = dozor_test_tsa

[ dozor_test_tsa ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
other_policies = 1.3.6.1.4.1.99999.2
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""

_TSA_EXT = """\
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
"""


@dataclass(frozen=True)
class LocalTSA:
    url: str
    ca_pem: Path  # the trust anchor a verifier needs
    directory: Path


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_authority(directory: Path) -> None:
    """A CA, and a TSA certificate it signed with the critical timeStamping key usage RFC 3161 requires."""
    ec = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "3", "-subj", "/CN=Dozor Test CA",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             cwd=directory)  # fmt: skip
    _openssl("req", *ec, "-keyout", "tsa.key", "-out", "tsa.csr", "-subj", "/CN=Dozor Test TSA", cwd=directory)
    (directory / "tsa.ext").write_text(_TSA_EXT)
    _openssl("x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "tsa.pem", "-days", "3", "-extfile", "tsa.ext", cwd=directory)  # fmt: skip
    (directory / "serial").write_text("01\n")
    (directory / "tsa.cnf").write_text(_CONFIG.format(dir=directory))


def _handler(directory: Path, lock: threading.Lock) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock:  # openssl keeps the serial number in a file
                (directory / "query.tsq").write_bytes(query)
                done = subprocess.run(
                    ["openssl", "ts", "-reply", "-config", "tsa.cnf", "-queryfile", "query.tsq", "-out", "reply.tsr"],
                    cwd=directory,
                    capture_output=True,
                    timeout=60,
                )
                reply = (directory / "reply.tsr").read_bytes() if done.returncode == 0 else b""
            if not reply:
                self.send_response(400)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def local_tsa() -> Iterator[LocalTSA]:
    with tempfile.TemporaryDirectory(prefix="dozor-tsa-") as tmp:
        directory = Path(tmp)
        make_authority(directory)
        server = HTTPServer(("127.0.0.1", 0), _handler(directory, threading.Lock()))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield LocalTSA(f"http://127.0.0.1:{server.server_port}/tsa", directory / "ca.pem", directory)
        finally:
            server.shutdown()
            server.server_close()
