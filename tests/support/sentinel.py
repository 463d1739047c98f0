"""A Redis master, its replica and three sentinels on loopback, for the failover tests.

Debian's `redis-server` runs all five: `redis-server FILE --sentinel` is what the `redis-sentinel`
package's binary does, so only `redis-server` is needed (installed here when missing and root).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

from tests.support.servers import free_port, wait_for

MASTER_NAME = "mymaster"
QUORUM = 2


def redis_server_binary() -> str:
    """redis-server's path, installing Debian's package as root; skip (fail under CI) if absent."""
    binary = shutil.which("redis-server")
    if binary is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-qq", "redis-server"], env=env, check=False)
        binary = shutil.which("redis-server")
    if binary is None:
        reason = (
            "redis-server is not installed and cannot be (not root): apt-get install redis-server"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return binary


@dataclass
class SentinelCluster:
    binary: str
    workdir: Path
    master_port: int = field(default_factory=free_port)
    replica_port: int = field(default_factory=free_port)
    sentinel_ports: list[int] = field(default_factory=lambda: [free_port() for _ in range(3)])
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def sentinels(self) -> str:
        """The REDIS_SENTINELS value for this cluster."""
        return ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)

    def client(self, port: int) -> redis.Redis:
        return redis.Redis(port=port, socket_timeout=2, socket_connect_timeout=2)

    def master_port_by_sentinels(self) -> int | None:
        """The master's port if every sentinel names the same one, else None."""
        ports = set()
        for port in self.sentinel_ports:
            with self.client(port) as sentinel:
                address = sentinel.sentinel_get_master_addr_by_name(MASTER_NAME)
            ports.add(int(address[1]) if address else None)
        return ports.pop() if len(ports) == 1 else None

    def failover(self) -> None:
        """SENTINEL FAILOVER: promote the replica without waiting for the master to be down."""
        with self.client(self.sentinel_ports[0]) as sentinel:
            sentinel.execute_command("SENTINEL", "FAILOVER", MASTER_NAME)

    def _spawn(self, name: str, args: list[str]) -> None:
        log = open(self.workdir / f"{name}.log", "wb")  # noqa: SIM115 (the process owns it)
        self.processes.append(
            subprocess.Popen([self.binary, *args], stdout=log, stderr=subprocess.STDOUT)
        )

    def _server_args(self, port: int, name: str) -> list[str]:
        data = self.workdir / name
        data.mkdir()
        common = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(data)]
        return [*common, "--appendonly", "no"]

    def start(self) -> None:
        self._spawn("master", self._server_args(self.master_port, "master"))
        replica = self._server_args(self.replica_port, "replica")
        self._spawn("replica", [*replica, "--replicaof", "127.0.0.1", str(self.master_port)])
        for port in self.sentinel_ports:
            conf = self.workdir / f"sentinel-{port}.conf"
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {self.workdir}\n"
                f"sentinel monitor {MASTER_NAME} 127.0.0.1 {self.master_port} {QUORUM}\n"
                f"sentinel down-after-milliseconds {MASTER_NAME} 1000\n"
                f"sentinel failover-timeout {MASTER_NAME} 10000\n"
            )
            self._spawn(f"sentinel-{port}", [str(conf), "--sentinel"])
        wait_for(self._ready, timeout=30, what="replica in sync and sentinels aware of each other")

    def _ready(self) -> bool:
        try:
            with self.client(self.replica_port) as replica:
                if replica.info("replication").get("master_link_status") != "up":
                    return False
            for port in self.sentinel_ports:
                with self.client(port) as sentinel:
                    state = sentinel.sentinel_master(MASTER_NAME)
                    if state["num-other-sentinels"] < 2 or state["num-slaves"] < 1:
                        return False
        except redis.RedisError:
            return False
        return True

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def sentinel_cluster() -> Iterator[SentinelCluster]:
    """A started cluster (master, replica, three sentinels), stopped whatever the test did."""
    workdir = Path(tempfile.mkdtemp(prefix="redis-sentinel-test-"))
    cluster = SentinelCluster(binary=redis_server_binary(), workdir=workdir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)
