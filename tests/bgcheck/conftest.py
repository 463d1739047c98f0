"""The background-check suite: the offer suite's application (张伟, 门店店员（夜班）, score 90,
known to the demo EHR), the vendor simulator in a subprocess, and settings with
BGCHECK_VENDOR=sandbox aimed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from config import Settings
from config.settings_notify import DEFAULT_CARD_TEMPLATES
from sandbox.bgcheck.testing import running_vendor
from tests.bot.conftest import (  # noqa: F401  (fixtures, registered by import)
    bot_runtime,
    ehr,
    ehr_url,
    sandbox_url,
    sim,
)
from tests.conftest import make_test_settings
from tests.offers.conftest import app_id, hr, http  # noqa: F401  (fixtures)
from tests.support.servers import LocalHttp

VENDOR_TOKEN = "test-bgcheck-token"
WEBHOOK_SECRET = "test-bgcheck-webhook-secret"
PII_KEY = "dGVzdC1waWkta2V5LTMyLWJ5dGVzLWxvbmctMDEyMzQ="


@pytest.fixture(scope="session")
def vendor_url() -> Iterator[str]:
    with running_vendor(api_token=VENDOR_TOKEN, webhook_secret=WEBHOOK_SECRET) as url:
        yield url


@pytest.fixture
def vendor(vendor_url: str) -> LocalHttp:
    return LocalHttp(vendor_url)


@pytest.fixture(scope="session")
def bot_settings(
    database_url: str,
    redis_url: str,
    sandbox_url: str,  # noqa: F811
    ehr_url: str,  # noqa: F811
    vendor_url: str,
) -> Settings:
    return make_test_settings(
        database_url,
        redis_url,
        DINGTALK_API_BASE=sandbox_url,
        DINGTALK_OAPI_BASE=sandbox_url,
        EHR_BASE_URL=ehr_url,
        DINGTALK_CARD_TEMPLATES=dict(DEFAULT_CARD_TEMPLATES),
        BGCHECK_VENDOR="sandbox",
        BGCHECK_BASE_URL=vendor_url,
        BGCHECK_API_TOKEN=VENDOR_TOKEN,
        BGCHECK_WEBHOOK_SECRET=WEBHOOK_SECRET,
        PII_ENCRYPTION_KEY=PII_KEY,
    )
