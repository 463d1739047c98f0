"""OFFER_SIGNING and OFFER_APPROVAL_PROCESS_CODE: accepted names, and a clear refusal to start
with the modes that are not built yet."""

from __future__ import annotations

import pytest

from config.settings import SettingsError, load_settings


def test_click_signing_is_the_default() -> None:
    settings = load_settings(APP_ENV="test")
    assert settings.OFFER_SIGNING == "click" and settings.OFFER_APPROVAL_PROCESS_CODE is None


def test_dingtalk_esign_refuses_to_start_with_a_clear_message() -> None:
    with pytest.raises(SettingsError, match="OFFER_SIGNING=dingtalk_esign is not supported yet"):
        load_settings(APP_ENV="test", OFFER_SIGNING="dingtalk_esign")


def test_an_oa_approval_process_refuses_to_start_without_echoing_it() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(APP_ENV="test", OFFER_APPROVAL_PROCESS_CODE="PROC-SECRET-1")
    assert "OFFER_APPROVAL_PROCESS_CODE" in str(info.value)
    assert "PROC-SECRET-1" not in str(info.value)


def test_an_unknown_signing_mode_is_refused() -> None:
    with pytest.raises(SettingsError, match="OFFER_SIGNING"):
        load_settings(APP_ENV="test", OFFER_SIGNING="wet_ink")
