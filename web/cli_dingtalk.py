"""`flask --app wsgi dingtalk ...`: one-off DingTalk set-up an operator runs against a tenant."""

from __future__ import annotations

import click

from clients.dingtalk import DingTalkError, make_dingtalk_client
from web_context import get_runtime


@click.group("dingtalk")
def dingtalk() -> None:
    """DingTalk tenant set-up."""


@dingtalk.command("register-card-callback")
@click.option("--url", required=True, help="Public HTTPS URL of POST /dingtalk/card-callback.")
def register_card_callback(url: str) -> None:
    """Register the HTTP card-callback route (DINGTALK_CARD_CALLBACK_ROUTE_KEY and _SECRET)."""
    runtime = get_runtime()
    settings = runtime.settings
    route_key = settings.DINGTALK_CARD_CALLBACK_ROUTE_KEY
    secret = settings.DINGTALK_CARD_CALLBACK_SECRET
    if not route_key or not secret:
        raise click.UsageError(
            "set DINGTALK_CARD_CALLBACK_ROUTE_KEY and DINGTALK_CARD_CALLBACK_SECRET first"
        )
    try:
        make_dingtalk_client(settings, runtime.redis).register_card_callback(route_key, url, secret)
    except DingTalkError as exc:
        raise click.ClickException(f"DingTalk refused the registration: {exc}") from exc
    click.echo(f"registered route {route_key} -> {url}; new cards will use HTTP callbacks")
