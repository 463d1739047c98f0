"""Start the sandbox in a subprocess for tests and `make run`: `with running_sandbox() as url:`."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from sandbox.dingtalk.__main__ import DEFAULT_SEED, READY_PREFIX

REPO_ROOT = Path(__file__).resolve().parents[2]


class SandboxStartError(RuntimeError):
    """The sandbox process exited or stayed silent instead of printing its ready line."""


def loopback_env(base_url: str | None = None) -> dict[str, str]:
    """Environment for a process talking to the sandbox (set before importing dingtalk_stream)."""
    env = dict(os.environ)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    if base_url:
        env["DINGTALK_OPENAPI_ENDPOINT"] = base_url
    return env


def _pump(stream: IO[str], lines: queue.Queue[str], sink: IO[str] | None) -> None:
    for line in stream:
        lines.put(line)
        if sink is not None:
            sink.write(line)
            sink.flush()
    lines.put("")  # EOF: the process is gone


@contextmanager
def running_sandbox(
    *,
    seed: str | Path = DEFAULT_SEED,
    port: int = 0,
    options: dict[str, Any] | None = None,
    log_file: str | Path | None = None,
    ready_timeout: float = 20.0,
) -> Iterator[str]:
    """Run `python -m sandbox.dingtalk` on 127.0.0.1, yield its base URL, stop it on exit.

    `port=0` lets the OS pick a free port (no race); `options` override SimConfig fields.
    """
    cmd = [
        sys.executable,
        "-m",
        "sandbox.dingtalk",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--seed",
        str(seed),
    ]
    for key, value in (options or {}).items():
        cmd += ["--option", f"{key}={value}"]
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
    sink = open(log_file, "a", encoding="utf-8") if log_file else None  # noqa: SIM115
    proc = subprocess.Popen(
        cmd,
        cwd=REPO_ROOT,
        env=loopback_env(),
        stdout=subprocess.PIPE,
        stderr=sink or subprocess.DEVNULL,
        text=True,
        bufsize=1,
    )
    try:
        yield _wait_ready(proc, sink, ready_timeout)
    finally:
        _stop(proc)
        if sink is not None:
            sink.close()


def _wait_ready(proc: subprocess.Popen[str], sink: IO[str] | None, timeout: float) -> str:
    assert proc.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_pump, args=(proc.stdout, lines, sink), daemon=True).start()
    try:
        while True:
            line = lines.get(timeout=timeout)
            if not line:
                raise SandboxStartError(f"sandbox exited early (exit code {proc.wait()})")
            if line.startswith(READY_PREFIX):
                return line[len(READY_PREFIX) :].strip()
    except queue.Empty:
        raise SandboxStartError(
            f"sandbox not ready after {timeout} s (exit code {proc.poll()})"
        ) from None


def _stop(proc: subprocess.Popen[str], timeout: float = 10.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)
