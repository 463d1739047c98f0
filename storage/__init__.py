"""The local cache of the EHR and the backend's own records."""

from storage import (
    action_models,
    attention_models,
    bgcheck_models,
    import_models,
    insight_models,
    models,
    offer_models,
    round_models,
    sync_models,
)
from storage.base import Base
from storage.db import (
    DatabaseNotMigrated,
    check_migrated,
    make_engine,
    make_session_factory,
    unit_of_work,
)

__all__ = [
    "Base",
    "DatabaseNotMigrated",
    "action_models",
    "attention_models",
    "bgcheck_models",
    "check_migrated",
    "import_models",
    "insight_models",
    "make_engine",
    "make_session_factory",
    "models",
    "offer_models",
    "round_models",
    "sync_models",
    "unit_of_work",
]
