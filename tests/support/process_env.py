"""The environment that makes a subprocess build the same Settings as a test."""

from __future__ import annotations

import json
import os
from enum import Enum

from config import Settings


def settings_env(settings: Settings, **extra: str) -> dict[str, str]:
    """os.environ plus every set field of `settings`, as the variables Settings reads."""
    env = dict(os.environ)
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if value is None:
            continue
        if isinstance(value, Enum):
            value = value.value
        env[name] = json.dumps(value) if isinstance(value, dict | list) else str(value)
    env.update(PYTHONUNBUFFERED="1", **extra)
    return env
