"""BGCHECK_VENDOR, PII_ENCRYPTION_KEY and DINGTALK_PREENTRY: production refuses to run checks
without the key, a key that is not a Fernet key is refused, the pre-entry record is off unless
asked for."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from config import SettingsError, load_settings
from config.settings import DEV_DEFAULTS
from tests.foundation.test_settings import _production_env


def test_checks_are_off_unless_asked_for_and_on_in_development() -> None:
    assert load_settings(APP_ENV="test").BGCHECK_VENDOR == "none"
    assert load_settings(APP_ENV="development").BGCHECK_VENDOR == "sandbox"


def test_production_refuses_checks_without_the_pii_key(monkeypatch: pytest.MonkeyPatch) -> None:
    _production_env(monkeypatch)
    monkeypatch.setenv("BGCHECK_VENDOR", "sandbox")
    monkeypatch.setenv("BGCHECK_BASE_URL", "https://vendor.example.com")
    monkeypatch.setenv("BGCHECK_API_TOKEN", "t" * 32)
    monkeypatch.setenv("BGCHECK_WEBHOOK_SECRET", "s" * 32)
    with pytest.raises(SettingsError, match="PII_ENCRYPTION_KEY"):
        load_settings()
    monkeypatch.setenv("PII_ENCRYPTION_KEY", DEV_DEFAULTS["PII_ENCRYPTION_KEY"])
    with pytest.raises(SettingsError, match="public development value of PII_ENCRYPTION_KEY"):
        load_settings()
    monkeypatch.setenv("PII_ENCRYPTION_KEY", Fernet.generate_key().decode())
    assert load_settings().BGCHECK_VENDOR == "sandbox"


def test_a_key_that_is_not_a_fernet_key_is_refused_without_echoing_it() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(APP_ENV="test", PII_ENCRYPTION_KEY="short-secret-value")
    assert "PII_ENCRYPTION_KEY" in str(info.value) and "short-secret-value" not in str(info.value)


def test_the_dingtalk_pre_entry_record_is_off_unless_asked_for() -> None:
    assert load_settings(APP_ENV="test").DINGTALK_PREENTRY is False
    assert load_settings(APP_ENV="test", DINGTALK_PREENTRY=True).DINGTALK_PREENTRY is True
