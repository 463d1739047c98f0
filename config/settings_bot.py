"""Settings of the DingTalk bot edge: Stream listener, HTTP callbacks, chat commands."""

# A mixin of config.settings.Settings: one object, each feature owning its own fields.

from __future__ import annotations

from pydantic import BaseModel, Field


class BotSettings(BaseModel):
    """Fields are environment variables of the same name; every one is in the README table."""

    # HTTP card callbacks (protocol 6.3), for companies that prefer them to Stream: the route key
    # registered with DingTalk and the apiSecret that signs `x-ddpaas-signature`. Without a
    # secret the HTTP card-callback route refuses every request.
    DINGTALK_CARD_CALLBACK_ROUTE_KEY: str | None = None
    DINGTALK_CARD_CALLBACK_SECRET: str | None = None
    # Accepted clock skew of signed callbacks (card `x-ddpaas-signature-timestamp` and the
    # encrypted event `timestamp`); nonces are remembered at least this long.
    DINGTALK_CALLBACK_TIMESTAMP_TOLERANCE_SECONDS: int = Field(default=300, ge=10, le=3600)
    # receiveId of the encrypted events: the app key for console subscriptions (the default when
    # unset), the corpId for legacy API registrations.
    DINGTALK_CALLBACK_RECEIVE_ID: str | None = None
    # How long a Stream message id / event id is remembered for dedupe (DingTalk redelivers).
    BOT_DEDUPE_TTL_SECONDS: int = Field(default=7 * 24 * 3600, ge=60)
    # Chat input longer than this is cut before parsing (untrusted input).
    BOT_MESSAGE_MAX_CHARS: int = Field(default=200, ge=10, le=5000)
