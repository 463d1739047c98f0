"""The README's configuration table names every setting: operators configure from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_in_the_readme(name: str) -> None:
    assert f"`{name}`" in README
