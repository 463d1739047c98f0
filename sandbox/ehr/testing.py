"""Start the demo EHR in a subprocess for tests: `with running_demo_ehr(...) as base_url:`."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sandbox.ehr.__main__ import READY_PREFIX

REPO_ROOT = Path(__file__).resolve().parents[2]


class DemoEhrStartError(RuntimeError):
    """The demo EHR exited or stayed silent instead of printing its ready line."""


def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)
    lines.put("")


@contextmanager
def running_demo_ehr(
    *,
    api_token: str = "demo-ehr-token",  # noqa: S107  (the demo EHR's public dev value)
    webhook_url: str | None = None,
    webhook_secret: str = "demo-webhook-secret",  # noqa: S107
    seed_scenario: bool = False,
    ready_timeout: float = 20.0,
) -> Iterator[str]:
    """Run `python -m sandbox.ehr` on a free port; yield its base URL; stop it on exit."""
    cmd = [
        sys.executable,
        "-m",
        "sandbox.ehr",
        "--port",
        "0",
        "--api-token",
        api_token,
        "--webhook-secret",
        webhook_secret,
    ]
    if webhook_url:
        cmd += ["--webhook-url", webhook_url]
    if seed_scenario:
        cmd.append("--seed-scenario")
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    proc = subprocess.Popen(
        cmd,
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        bufsize=1,
    )
    try:
        assert proc.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
        try:
            while True:
                line = lines.get(timeout=ready_timeout)
                if not line:
                    raise DemoEhrStartError(f"demo EHR exited early ({proc.wait()})")
                if line.startswith(READY_PREFIX):
                    yield line[len(READY_PREFIX) :].strip()
                    break
        except queue.Empty:
            raise DemoEhrStartError(f"demo EHR not ready after {ready_timeout} s") from None
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
