"""App access tokens: one namespace shared by the new API and oapi, as on the real service."""

from __future__ import annotations

import secrets
import time

from sandbox.dingtalk.state import Sim


def issue_token(sim: Sim, app_key: str) -> tuple[str, int]:
    """Return the app's token; re-issuing inside its validity returns it again and extends it."""
    store, ttl = sim.store, sim.config.token_ttl
    current = store.app_tokens.get(app_key)
    if current and token_app(sim, current):
        store.tokens[current]["expires"] = time.time() + ttl
        return current, ttl
    token = secrets.token_hex(16)
    store.tokens[token] = {"app": app_key, "expires": time.time() + ttl}
    store.app_tokens[app_key] = token
    return token, ttl


def token_app(sim: Sim, token: str) -> str | None:
    """The app a still-valid token belongs to, or None for unknown/expired tokens."""
    entry = sim.store.tokens.get(token)
    if entry is None or entry["expires"] <= time.time():
        return None
    return str(entry["app"])


def expire_all(sim: Sim) -> int:
    """Expire every issued token now; return how many were live."""
    live = 0
    for entry in sim.store.tokens.values():
        if entry["expires"] > time.time():
            live += 1
        entry["expires"] = 0.0
    return live


def check_credentials(sim: Sim, app_key: str | None, app_secret: str | None) -> bool:
    org = sim.org
    return bool(app_key) and app_key == org.app_key and app_secret == org.app_secret
