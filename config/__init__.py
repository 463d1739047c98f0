"""Typed settings, built once per process by its composition root."""

from config.settings import AppEnv, Settings, SettingsError, load_settings

__all__ = ["AppEnv", "Settings", "SettingsError", "load_settings"]
