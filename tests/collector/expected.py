"""Compare parser output with the `.expected.json` beside a fixture; YUQING_REGENERATE_EXPECTED=1 rewrites it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from yuqing.collector.items import Parsed


def as_document(parsed: Parsed) -> dict[str, Any]:
    """The JSON form of a parse: its items and warnings."""
    return {"items": [item.to_dict() for item in parsed.items], "warnings": parsed.warnings}


def check_expected(fixture: Path, produced: dict[str, Any]) -> None:
    """Assert `produced` equals the saved expectation (or save it when regenerating)."""
    path = fixture.with_name(fixture.name + ".expected.json")
    if os.environ.get("YUQING_REGENERATE_EXPECTED") == "1":
        path.write_text(json.dumps(produced, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert path.exists(), f"{path} is missing; run with YUQING_REGENERATE_EXPECTED=1 and review it"
    assert produced == json.loads(path.read_text(encoding="utf-8"))
