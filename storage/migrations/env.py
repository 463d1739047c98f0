"""Alembic environment: the URL comes from Settings (DATABASE_URL), never from alembic.ini."""

from __future__ import annotations

import logging.config

from alembic import context

import storage
from config import load_settings
from storage.db import make_engine

cfg = context.config
if cfg.config_file_name and cfg.attributes.get("configure_logging", True):
    logging.config.fileConfig(cfg.config_file_name, disable_existing_loggers=False)

target_metadata = storage.Base.metadata


def _url() -> str:
    url = cfg.attributes.get("database_url")
    return str(url) if url else load_settings().require("DATABASE_URL")


def run_migrations_offline() -> None:
    context.configure(
        url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        # Batch mode lets ALTER TABLE work on SQLite, the embedded default.
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
