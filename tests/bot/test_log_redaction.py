"""The Stream SDK's own log lines never carry message payloads (chat text, names, mobiles)."""

from __future__ import annotations

import logging

import pytest

from bot.listener import sdk_log


def test_sdk_payloads_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    frame = {"text": {"content": "我的手机号 13800138000"}, "senderNick": "张伟"}
    with caplog.at_level(logging.INFO, logger=sdk_log.name):
        sdk_log.warning("unknown message topic, topic=%s, message=%s", "/v1.0/x", frame)
        sdk_log.error('reply text failed, error=x, response.text={"mobile": "13800138000"}')
        sdk_log.info("connect success, endpoint=%s", "ws://127.0.0.1/connect")
    text = caplog.text
    assert "13800138000" not in text and "张伟" not in text
    assert "topic=/v1.0/x" in text and "endpoint=ws://127.0.0.1/connect" in text
