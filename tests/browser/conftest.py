"""The whole system for browser tests: web app, DingTalk sandbox, demo EHR, worker, Chromium.

One stack per module: the demo EHR pushes its scenario to the real webhook, a real
`python -m jobs.worker` delivers the cards to the sandbox and writes decisions back to the EHR,
and Playwright drives Debian's Chromium (never a downloaded browser).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import Engine
from werkzeug.serving import make_server

from config import Settings
from sandbox.dingtalk.testing import running_sandbox
from sandbox.ehr.testing import running_demo_ehr
from storage.db import make_session_factory
from storage.runtime import Runtime, make_redis
from tests.conftest import _empty_tables, make_test_settings
from tests.support.servers import free_port, wait_until

REPO = Path(__file__).resolve().parents[2]
OUTPUT = REPO / "test-output" / "browser"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 812}


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the browser tests must run in CI)")
    pytest.skip(reason)


@dataclass
class Stack:
    web: str
    sandbox: str
    ehr: str
    settings: Settings
    app: Flask

    @property
    def app_url(self) -> str:
        return f"{self.web}/app/"

    def sim(self, path: str, **params: str) -> Any:
        response = requests.get(f"{self.sandbox}{path}", params=params, timeout=10)
        response.raise_for_status()
        return response.json()

    def ehr_decisions(self) -> list[dict[str, Any]]:
        response = requests.get(f"{self.ehr}/_demo/decisions", timeout=10)
        response.raise_for_status()
        body = response.json()
        return list(body["decisions"] if isinstance(body, dict) else body)


def _worker_env(settings: Settings) -> dict[str, str]:
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    for name, value in settings.model_dump(mode="json").items():
        if value is None:
            continue
        env[name] = json.dumps(value) if isinstance(value, dict | list) else str(value)
    return env


@pytest.fixture(scope="module")
def stack_overrides() -> dict[str, object]:
    """Settings a module adds to its stack's (a module overrides this fixture)."""
    return {}


@pytest.fixture(scope="module")
def stack(
    database_url: str, redis_url: str, engine: Engine, stack_overrides: dict[str, object]
) -> Iterator[Stack]:
    """Everything `make run` starts, on free ports, with the demo scenario pushed and delivered."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    web_port = free_port()
    web = f"http://127.0.0.1:{web_port}"
    with (
        running_sandbox(log_file=str(OUTPUT / "sandbox.log")) as sandbox,
        running_demo_ehr(
            api_token="test-ehr-token",
            webhook_secret="test-webhook-secret",
            webhook_url=f"{web}/ehr/events",
        ) as ehr,
    ):
        settings = make_test_settings(
            database_url,
            redis_url,
            DINGTALK_API_BASE=sandbox,
            DINGTALK_OAPI_BASE=sandbox,
            EHR_BASE_URL=ehr,
            MINIAPP_URL=f"{web}/app/",
            **stack_overrides,
        )
        _empty_tables(engine)
        redis = make_redis(settings.require("REDIS_URL"))
        redis.flushdb()
        runtime = Runtime(
            settings=settings,
            engine=engine,
            session_factory=make_session_factory(engine),
            redis=redis,
        )
        from web import create_app

        app = create_app(runtime=runtime)
        server = make_server("127.0.0.1", web_port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        with (OUTPUT / "worker.log").open("wb") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "jobs.worker"],
                cwd=REPO,
                env=_worker_env(settings),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            answer = requests.post(f"{ehr}/_demo/scenario", timeout=60).json()
            assert answer["pushed"] == [200], answer
            stack = Stack(web=web, sandbox=sandbox, ehr=ehr, settings=settings, app=app)
            # The score cards reach both HR owners of the night-shift store position.
            wait_until(
                lambda: len(stack.sim("/_sim/cards", userid="hr_lina")["cards"]) >= 7, timeout=60
            )
            yield stack
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            server.shutdown()
            thread.join(timeout=10)
            redis.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        _missing(f"{CHROMIUM} is missing: install Debian's chromium package")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed in .venv (pip install playwright; no browser)")
        raise
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A phone-sized page; its console errors fail the test."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"{request.node.name}: page errors {errors}"


def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-output/browser/."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
