"""Start real servers for tests that need one of their own (e.g. a Redis they can stop)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
import redis
import requests

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], T | None], timeout: float = 10.0, what: str = "condition") -> T:
    """Poll `check` until it returns something truthy (returned), failing after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class LocalHttp:
    """requests against a local server: a bounded timeout on every call, proxies ignored."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        self.http.trust_env = False

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.http.get(self.base_url + path, timeout=10, **kwargs).json()

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.http.post(self.base_url + path, json=body, timeout=10, **kwargs).json()


def wait_until(predicate: object, *, timeout: float = 10.0, interval: float = 0.05) -> None:
    """Poll `predicate` until it returns truthy or the deadline passes (then fail loudly)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(interval)
    raise TimeoutError(f"condition not met within {timeout}s: {predicate}")


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen[bytes] | None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        workdir = tempfile.mkdtemp(prefix="redis-test-")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                workdir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)

        def _up() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        wait_until(_up)
        client.close()


@contextmanager
def own_redis_server() -> Iterator[RedisServer]:
    """A private redis-server on a free port, stopped at the end whatever the test did."""
    server = RedisServer(port=free_port(), process=None)
    server.start()
    try:
        yield server
    finally:
        server.stop()
