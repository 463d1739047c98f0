"""OFFER_SIGNING and OFFER_APPROVAL_PROCESS_CODE: their accepted values, and a clear refusal of
an unknown signing mode."""

from __future__ import annotations

import pytest

from config.settings import SettingsError, load_settings


def test_click_signing_is_the_default() -> None:
    settings = load_settings(APP_ENV="test")
    assert settings.OFFER_SIGNING == "click" and settings.OFFER_APPROVAL_PROCESS_CODE is None


def test_dingtalk_esign_is_accepted() -> None:
    settings = load_settings(APP_ENV="test", OFFER_SIGNING="dingtalk_esign")
    assert settings.OFFER_SIGNING == "dingtalk_esign"


def test_an_oa_approval_process_code_is_accepted() -> None:
    settings = load_settings(APP_ENV="test", OFFER_APPROVAL_PROCESS_CODE="PROC-OFFER-1")
    assert settings.OFFER_APPROVAL_PROCESS_CODE == "PROC-OFFER-1"


def test_an_unknown_signing_mode_is_refused() -> None:
    with pytest.raises(SettingsError, match="OFFER_SIGNING"):
        load_settings(APP_ENV="test", OFFER_SIGNING="wet_ink")
