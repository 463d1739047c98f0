from __future__ import annotations

import pytest

from config import AppEnv, SettingsError, load_settings
from config.settings import DEV_DEFAULTS, PRODUCTION_SECRETS, PUBLIC_SECRET_VALUES, SECRET_SETTINGS


def _production_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir("/")  # no stray .env
    for name in PRODUCTION_SECRETS:
        monkeypatch.setenv(name, "x" * 40)
    monkeypatch.setenv("MINIAPP_URL", "https://hr.example.com/app/")
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


@pytest.mark.parametrize("url", ["http://hr.example.com/app/", "javascript:alert(1)//"])
def test_production_refuses_a_mini_app_url_that_is_not_https(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    _production_env(monkeypatch)
    monkeypatch.setenv("MINIAPP_URL", url)
    with pytest.raises(SettingsError, match="MINIAPP_URL"):
        load_settings()


def test_production_rejects_a_short_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    _production_env(monkeypatch)
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings()


def _unset_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir("/")  # no stray .env
    for name in (*PRODUCTION_SECRETS, *SECRET_SETTINGS, "APP_ENV", "DINGTALK_API_BASE"):
        monkeypatch.delenv(name, raising=False)


def test_development_defaults_point_at_the_embedded_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    _unset_environment(monkeypatch)
    monkeypatch.setenv("APP_ENV", "development")
    settings = load_settings()
    assert settings.APP_ENV is AppEnv.DEVELOPMENT
    assert settings.DATABASE_URL is not None and settings.DATABASE_URL.startswith("sqlite:///")
    assert settings.DINGTALK_API_BASE.startswith("http://127.0.0.1:")
    assert DEV_DEFAULTS["SECRET_KEY"] == settings.SECRET_KEY


def test_environment_overrides_development_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    _unset_environment(monkeypatch)
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.example/x")
    assert load_settings().DATABASE_URL == "postgresql://db.example/x"


def test_unset_app_env_is_production_and_never_gets_public_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _unset_environment(monkeypatch)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert "production mode needs" in message and "APP_ENV=development" in message
    assert all(name in message for name in PRODUCTION_SECRETS)
    assert not any(value in message for value in DEV_DEFAULTS.values())


def test_unset_app_env_with_every_secret_runs_as_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _production_env(monkeypatch)
    monkeypatch.delenv("APP_ENV")
    settings = load_settings()
    assert settings.APP_ENV is AppEnv.PRODUCTION and settings.is_production
    assert settings.DINGTALK_API_BASE == "https://api.dingtalk.com"


@pytest.mark.parametrize("explicit", [True, False])
@pytest.mark.parametrize("name", SECRET_SETTINGS)
def test_production_refuses_a_public_development_secret(
    monkeypatch: pytest.MonkeyPatch, name: str, explicit: bool
) -> None:
    _production_env(monkeypatch)
    if not explicit:
        monkeypatch.delenv("APP_ENV")
    # Any public value in any secret setting: the one it had in development, or another one.
    for value in sorted(PUBLIC_SECRET_VALUES):
        monkeypatch.setenv(name, value)
        with pytest.raises(SettingsError) as info:
            load_settings()
        assert name in str(info.value) and "public development value" in str(info.value)
        assert value not in str(info.value)  # a secret is never echoed into logs


def test_test_mode_takes_the_sandbox_credentials_it_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _unset_environment(monkeypatch)
    monkeypatch.setenv("APP_ENV", "test")
    monkeypatch.setenv("DINGTALK_APP_SECRET", DEV_DEFAULTS["DINGTALK_APP_SECRET"])
    settings = load_settings()
    assert DEV_DEFAULTS["DINGTALK_APP_SECRET"] == settings.DINGTALK_APP_SECRET
    assert settings.SECRET_KEY is None and settings.DATABASE_URL is None  # nothing filled in


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


def test_production_refuses_a_short_metrics_token(monkeypatch: pytest.MonkeyPatch) -> None:
    _production_env(monkeypatch)
    monkeypatch.setenv("METRICS_TOKEN", "short-token")
    with pytest.raises(SettingsError, match="METRICS_TOKEN must be at least 16 characters"):
        load_settings()
    monkeypatch.setenv("METRICS_TOKEN", "a-scraper-token-of-our-own")
    assert load_settings().METRICS_TOKEN == "a-scraper-token-of-our-own"
