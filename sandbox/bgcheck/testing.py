"""Start the vendor simulator in a subprocess for tests: `with running_vendor() as base_url:`."""

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

from sandbox.bgcheck.__main__ import READY_PREFIX

REPO_ROOT = Path(__file__).resolve().parents[2]


def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)
    lines.put("")


@contextmanager
def running_vendor(
    *, api_token: str, webhook_secret: str, ready_timeout: float = 20.0
) -> Iterator[str]:
    """Run `python -m sandbox.bgcheck` on a free port; yield its base URL; stop it on exit."""
    cmd = [sys.executable, "-m", "sandbox.bgcheck", "--port", "0", "--api-token", api_token]
    cmd += ["--webhook-secret", webhook_secret]
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    proc = subprocess.Popen(
        cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert proc.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True).start()
        while True:
            line = lines.get(timeout=ready_timeout)
            if not line:
                raise RuntimeError(f"vendor simulator exited early ({proc.wait()})")
            if line.startswith(READY_PREFIX):
                yield line[len(READY_PREFIX) :].strip()
                break
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
