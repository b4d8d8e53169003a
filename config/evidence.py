"""The `[evidence]` section: keeping alerted posts' pages as they were and watching for deletion."""

from __future__ import annotations

from datetime import timedelta

from yuqing.config.section import Section
from yuqing.config.types import ByteSize, Duration


class EvidenceSettings(Section):
    """Capture caps (compressed bytes) and how often and how long copies are re-checked."""

    enabled: bool = True
    max_page_bytes: ByteSize = 2 * 1024 * 1024
    max_total_bytes: ByteSize = 1024 * 1024 * 1024
    watch_interval: Duration = timedelta(minutes=30)
    watch_for: Duration = timedelta(days=7)
    screenshots: bool = True  # where `chromium` is installed
    chromium: str = "chromium"
