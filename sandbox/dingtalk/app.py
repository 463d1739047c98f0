"""Build the sandbox aiohttp application: one port for /v1.0, oapi, /connect and /_sim."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from sandbox.dingtalk import (
    ats,
    auth,
    calendar,
    cards,
    chat,
    control,
    cors,
    esign,
    hrm,
    inbox,
    notices,
    reach,
    workflow,
)
from sandbox.dingtalk.config import SimConfig
from sandbox.dingtalk.middleware import SIM_KEY, dingtalk_middleware
from sandbox.dingtalk.seed import Org, load_seed
from sandbox.dingtalk.state import Sim
from sandbox.dingtalk.stream import HUB_KEY, StreamHub, connect, open_connection
from sandbox.dingtalk.templates import load_templates


def create_app(
    org: Org, *, config: SimConfig | None = None, templates_dir: Path | None = None
) -> web.Application:
    """Wire every route to one shared `Sim`; nothing here touches the network."""
    sim = Sim(org=org, base_config=config or SimConfig(), templates=load_templates(templates_dir))
    app = web.Application(middlewares=[dingtalk_middleware], client_max_size=4 * 1024 * 1024)
    app[SIM_KEY] = sim
    app[HUB_KEY] = StreamHub(sim)
    app.router.add_post("/v1.0/gateway/connections/open", open_connection)
    app.router.add_get("/connect", connect)
    modules = [
        auth,
        cards,
        chat,
        notices,
        calendar,
        reach,
        ats,
        workflow,
        esign,
        hrm,
        control,
        inbox,
    ]
    for module in [*modules, cors]:
        module.add_routes(app)
    app.on_shutdown.append(_close_streams)
    return app


async def _close_streams(app: web.Application) -> None:
    await app[HUB_KEY].close_all()


def create_app_from_seed(
    seed: str | Path, *, config: SimConfig | None = None, templates_dir: Path | None = None
) -> web.Application:
    return create_app(load_seed(seed), config=config, templates_dir=templates_dir)
