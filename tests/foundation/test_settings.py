from __future__ import annotations

import pytest

from config import AppEnv, SettingsError, load_settings
from config.settings import PRODUCTION_SECRETS


def _production_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir("/")  # no stray .env
    for name in PRODUCTION_SECRETS:
        monkeypatch.setenv(name, "x" * 40)
    monkeypatch.setenv("APP_ENV", "production")


@pytest.mark.parametrize("missing", PRODUCTION_SECRETS)
def test_production_refuses_a_missing_secret_and_names_it(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    _production_env(monkeypatch)
    monkeypatch.delenv(missing)
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert missing in str(info.value)
    others = [name for name in PRODUCTION_SECRETS if name != missing]
    assert not any(f" {name}," in f" {info.value}," for name in others)


def test_production_with_every_secret_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    _production_env(monkeypatch)
    settings = load_settings()
    assert settings.APP_ENV is AppEnv.PRODUCTION
    assert settings.DINGTALK_API_BASE == "https://api.dingtalk.com"
    assert settings.DINGTALK_OAPI_BASE == "https://oapi.dingtalk.com"


def test_production_rejects_a_short_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    _production_env(monkeypatch)
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings()


def test_development_defaults_point_at_the_embedded_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir("/")
    for name in (*PRODUCTION_SECRETS, "APP_ENV", "DINGTALK_API_BASE"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.APP_ENV is AppEnv.DEVELOPMENT
    assert settings.DATABASE_URL is not None and settings.DATABASE_URL.startswith("sqlite:///")
    assert settings.DINGTALK_API_BASE.startswith("http://127.0.0.1:")


def test_environment_overrides_development_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir("/")
    monkeypatch.delenv("APP_ENV", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.example/x")
    assert load_settings().DATABASE_URL == "postgresql://db.example/x"


def test_invalid_values_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir("/")
    monkeypatch.setenv("APP_ENV", "staging")
    with pytest.raises(SettingsError, match="APP_ENV"):
        load_settings()


def test_require_names_the_missing_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir("/")
    monkeypatch.setenv("APP_ENV", "test")
    monkeypatch.delenv("EHR_BASE_URL", raising=False)
    with pytest.raises(SettingsError, match="EHR_BASE_URL"):
        load_settings().require("EHR_BASE_URL")
