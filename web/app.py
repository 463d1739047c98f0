"""Flask app factory: builds Settings once, connects, registers blueprints and error handlers.

Nothing imports this module but `web/__init__.py`: the blueprints and CLI groups reach the
runtime and the request's session through `web_context`."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.sessions import SessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

import web_context
from bot.http_callbacks import bp as dingtalk_callbacks_bp
from config import Settings, load_settings
from config.logging import configure_logging
from jobs.dispatch import make_dispatcher
from miniapp_api import init_app as init_miniapp_api
from storage.outbox_dispatch import install_outbox_dispatch
from storage.runtime import Runtime, build_runtime
from web import errors, h5, health, input_guard, metrics
from web.bgcheck_webhook import bp as bgcheck_webhook_bp
from web.cli_digests import digests as digests_cli
from web.cli_digests import escalation as escalation_cli
from web.cli_dingtalk import dingtalk as dingtalk_cli
from web.cli_ehr import ehr as ehr_cli
from web.cli_imports import imports as imports_cli
from web.cli_ops import ops as ops_cli
from web.cli_reminders import reminders as reminders_cli
from web.ehr_webhook import bp as ehr_webhook_bp

__all__ = ["NoCookieSessions", "create_app"]


class NoCookieSessions(SessionInterface):
    """The app keeps nothing in cookies (the mini-app sends a Bearer token, DingTalk and the
    EHR sign their calls), so no request pays for loading and signing a cookie session; Flask
    gives views a session that refuses writes."""

    def open_session(self, app: Flask, request: Any) -> None:
        return None

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        return None


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    test_config: dict[str, Any] | None = None,
) -> Flask:
    """Create the web app; tests pass their own Settings (and may share a Runtime)."""
    settings = settings or (runtime.settings if runtime else load_settings())
    configure_logging(settings.LOG_LEVEL)
    app = Flask(__name__, static_folder=None)
    app.session_interface = NoCookieSessions()
    if settings.TRUSTED_PROXY_COUNT:
        # Behind a proxy the client address (rate limits) and scheme come from its headers.
        n = settings.TRUSTED_PROXY_COUNT
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    app.config.update(SECRET_KEY=settings.SECRET_KEY, MAX_CONTENT_LENGTH=1024 * 1024)
    if test_config:
        app.config.update(test_config)
    runtime = runtime or build_runtime(settings)
    web_context.init_app(app, runtime)
    # Outbox rows committed by a request become delivery jobs right after the commit.
    install_outbox_dispatch(runtime.session_factory, make_dispatcher(runtime.redis))

    errors.init_app(app)
    input_guard.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(metrics.bp)
    app.register_blueprint(ehr_webhook_bp)
    app.register_blueprint(bgcheck_webhook_bp)
    app.register_blueprint(h5.bp)
    app.cli.add_command(ehr_cli)
    app.cli.add_command(dingtalk_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(digests_cli)
    app.cli.add_command(escalation_cli)
    app.cli.add_command(ops_cli)
    app.cli.add_command(imports_cli)
    init_miniapp_api(app)
    app.register_blueprint(dingtalk_callbacks_bp)
    return app
