"""Redis over TLS (issue 24, item 3): a rediss:// REDIS_URL reaches a TLS-only redis-server,
trusting the CA named by REDIS_SSL_CA_CERTS, and refuses a server it cannot verify."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from storage.runtime import redis_for
from tests.conftest import make_test_settings
from tests.support.sentinel import redis_server_binary
from tests.support.servers import free_port, wait_for


@dataclass
class TlsRedis:
    port: int
    ca: Path


def _self_signed(workdir: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = workdir / "cert.pem", workdir / "key.pem"
    argv = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    argv += ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
    argv += ["-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(argv, check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_redis(tmp_path: Path) -> Iterator[TlsRedis]:
    """A redis-server that speaks TLS only (no plain port), its certificate its own CA."""
    cert, key = _self_signed(tmp_path)
    port = free_port()
    args = ["--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1", "--save", ""]
    args += ["--tls-cert-file", str(cert), "--tls-key-file", str(key)]
    args += ["--tls-ca-cert-file", str(cert), "--tls-auth-clients", "no", "--dir", str(tmp_path)]
    log = (tmp_path / "redis.log").open("wb")
    server = subprocess.Popen([redis_server_binary(), *args], stdout=log, stderr=log)
    try:
        wait_for(lambda: "Ready to accept" in (tmp_path / "redis.log").read_text(), what="TLS")
        yield TlsRedis(port=port, ca=cert)
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def test_rediss_url_with_our_ca(tls_redis: TlsRedis, database_url: str) -> None:
    url = f"rediss://127.0.0.1:{tls_redis.port}/0"
    settings = make_test_settings(database_url, url, REDIS_SSL_CA_CERTS=str(tls_redis.ca))
    with redis_for(settings) as client:
        client.set("tls-probe", "1")
        assert client.get("tls-probe") == b"1"


def test_rediss_refuses_a_server_it_cannot_verify(tls_redis: TlsRedis, database_url: str) -> None:
    # Without our CA the self-signed certificate is unknown: the connection must fail, which
    # shows the certificate is checked (not merely encrypted).
    url = f"rediss://127.0.0.1:{tls_redis.port}/0"
    client = redis_for(make_test_settings(database_url, url))
    with client, pytest.raises(redis.ConnectionError, match=r"(?i)certificate"):
        client.ping()
