"""Every card template file is sent under its own id by default: a template the default settings
do not name would reach DingTalk as a bare name, which it (and the sandbox) rejects."""

from __future__ import annotations

import json
from pathlib import Path

from config.settings_notify import DEFAULT_CARD_TEMPLATES

TEMPLATES = Path(__file__).resolve().parents[2] / "cards" / "templates"


def test_every_template_file_is_a_default_card_template() -> None:
    files = {
        data["name"]: data["template_id"]
        for data in (json.loads(p.read_text("utf-8")) for p in TEMPLATES.glob("*.json"))
    }
    assert files == {name: DEFAULT_CARD_TEMPLATES[name] for name in files}
    assert set(DEFAULT_CARD_TEMPLATES) == set(files)
