"""Card template definitions from cards/templates/*.json, keyed by their `template_id`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "cards" / "templates"


def load_templates(directory: Path | None = None) -> dict[str, dict[str, Any]]:
    """Read every template JSON; a broken file fails loudly at start-up, not at render time."""
    folder = directory or DEFAULT_DIR
    templates: dict[str, dict[str, Any]] = {}
    if not folder.is_dir():
        return templates
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        template_id = data.get("template_id")
        if not isinstance(template_id, str) or not template_id.endswith(".schema"):
            raise ValueError(f"{path}: template_id must be a string ending in .schema")
        data.setdefault("name", path.stem)
        templates[template_id] = data
    return templates
