"""The `[evidence]` section: keeping alerted posts' pages as they were and watching for deletion."""

from __future__ import annotations

from datetime import timedelta

from yuqing.config.section import Section
from yuqing.config.types import ByteSize, Duration


class EvidenceSettings(Section):
    """Capture caps (compressed bytes), how often and how long copies are re-checked, and how long the
    kept bytes outlive their incident's closing (the retention job keeps them till then)."""

    enabled: bool = True
    max_page_bytes: ByteSize = 2 * 1024 * 1024
    max_total_bytes: ByteSize = 1024 * 1024 * 1024
    watch_interval: Duration = timedelta(minutes=30)
    watch_for: Duration = timedelta(days=7)
    keep_after_close: Duration = timedelta(days=365)
    screenshots: bool = True  # where `chromium` is installed
    chromium: str = "chromium"
