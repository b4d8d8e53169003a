"""The validated settings of a deployment (docs/spec.md §8): TOML document in, `Settings` out.

Every section is a pydantic model that forbids unknown keys; cross-field checks (tiers that
rise, unique names, channels that exist) live here too. Loading and error wording are in
`config.loading`.
"""

from __future__ import annotations

import os
from datetime import time as dtime
from datetime import timedelta
from typing import Literal

from pydantic import Field, field_validator, model_validator

from yuqing.config.channels import ChannelSettings
from yuqing.config.evidence import EvidenceSettings
from yuqing.config.section import Section, check_timezone
from yuqing.config.sources import FetchSettings, SourceSettings
from yuqing.config.types import (
    CATEGORY_GUIDANCE,
    CategoryId,
    Duration,
    TierId,
    TimeOfDay,
)
from yuqing.config.web import WebSettings


class DatabaseSettings(Section):
    url: str = "sqlite:///var/yuqing.db"


class SchemeSettings(Section):
    name: str = Field(min_length=1)
    query: str = Field(min_length=1)
    recipients: list[str] = []
    escalate_to: list[str] = []
    alert_deletions: bool = False  # a "copy deleted" alert to its recipients (issue 19)


class TierRule(Section):
    clicks_24h: int = Field(ge=0)
    reposts: int = Field(ge=0)
    min_sites: int = Field(default=2, ge=1)
    likes: int | None = Field(default=None, ge=0, description="off unless set: likes > this also holds")


class TierSettings(Section):
    """Thresholds of docs/spec.md §3; each rule holds when clicks or reposts exceed its numbers."""

    significant: TierRule = TierRule(clicks_24h=1_000, reposts=100)
    major: TierRule = TierRule(clicks_24h=10_000, reposts=300)
    critical: TierRule = TierRule(clicks_24h=50_000, reposts=500)
    negative_threshold: float | None = Field(default=None, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _rising(self) -> TierSettings:
        for field in ("clicks_24h", "reposts", "likes"):
            values = [getattr(getattr(self, t), field) for t in ("significant", "major", "critical")]
            values = [v for v in values if v is not None]  # likes: only the tiers that set it
            if any(a >= b for a, b in zip(values, values[1:], strict=False)):
                raise ValueError(
                    f"{field} must rise from significant to major to critical, got "
                    f"{', '.join(map(str, values))}"
                )
        return self


class DeadlineSettings(Section):
    report: Duration = timedelta(minutes=30)
    emergency_facts: Duration = timedelta(hours=2)
    respond: Duration = timedelta(hours=12)
    near: float = Field(default=0.8, gt=0.0, lt=1.0, description="share of the time used")


class IncidentSettings(Section):
    open_tier: TierId = "significant"
    subside_after: Duration = timedelta(hours=12)


class CategorySettings(Section):
    keywords: list[str] = []
    guidance: str | None = None


class AnalysisSettings(Section):
    model: Literal["default", "snownlp"] = "default"
    user_words: list[str] = []
    categories: dict[CategoryId, CategorySettings] = {}

    def guidance(self, category: str) -> str:
        """The guidance text shown with an alert of this category (docs/spec.md §4)."""
        own = self.categories.get(category)  # type: ignore[call-overload]
        return (own.guidance if own and own.guidance else None) or CATEGORY_GUIDANCE[category]


class StorySettings(Section):
    window: Duration = timedelta(hours=72)
    lsh_threshold: float = Field(default=0.35, gt=0.0, lt=1.0)
    containment: float = Field(default=0.7, gt=0.0, le=1.0)
    boilerplate_posts: int = Field(default=3, ge=0)
    title_join: bool = True
    burst_p_value: float = Field(default=0.001, gt=0.0, lt=1.0)
    burst_min_posts: int = Field(default=5, ge=1)


class DigestSettings(Section):
    time: TimeOfDay = dtime(8, 0)
    timezone: str = "Asia/Shanghai"
    out_dir: str = "var/digests"
    channels: list[str] | None = None
    top_items: int = Field(default=10, ge=1, le=100)

    _tz = field_validator("timezone")(check_timezone)


class ReportSettings(Section):
    """The office's Word reports (docs/spec.md §12): header block, templates, where they go."""

    unit: str = Field(default="舆情监测中心", min_length=1, max_length=60)
    doc_number_prefix: str = Field(default="舆情", max_length=20)
    mark: str = Field(default="内部资料", max_length=20)
    templates_dir: str | None = None
    out_dir: str = "var/reports"
    daily_docx: bool = False


class RetentionSettings(Section):
    posts: Duration = timedelta(days=180)
    snapshots: Duration = timedelta(days=30)
    hourly_snapshots_after: Duration = timedelta(hours=48)
    deliveries: Duration = timedelta(days=90)


class ServiceSettings(Section):
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_file: str | None = None
    jitter: Duration = timedelta(seconds=10)
    pipeline_interval: Duration = timedelta(minutes=1)


class QueueSettings(Section):
    """Distributed mode (docs/deployment.md): the broker's URL is read from the environment variable
    `url_env` names (never from the file, never logged); `prefix` starts every queue's name, so
    deployments (or tests) can share one RabbitMQ."""

    url_env: str = Field(default="YUQING_QUEUE_URL", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    prefix: str = Field(default="yuqing", pattern=r"^[A-Za-z0-9_.-]{1,40}$")

    def url(self) -> str | None:
        """The broker URL from the environment, or None when the variable is unset or empty."""
        return os.environ.get(self.url_env) or None


class Settings(Section):
    """The whole configuration of one deployment.

    `queue`: None (no `[queue]` section) is embedded mode, one `yuqing run`; set, distributed mode
    (`yuqing clock` and `yuqing worker`)."""

    database: DatabaseSettings = DatabaseSettings()
    fetch: FetchSettings = FetchSettings()
    sources: list[SourceSettings] = []
    groups: dict[str, list[str]] = {}
    schemes: list[SchemeSettings] = []
    tiers: TierSettings = TierSettings()
    channels: list[ChannelSettings] = []
    deadlines: DeadlineSettings = DeadlineSettings()
    incidents: IncidentSettings = IncidentSettings()
    analysis: AnalysisSettings = AnalysisSettings()
    stories: StorySettings = StorySettings()
    digest: DigestSettings = DigestSettings()
    reports: ReportSettings = ReportSettings()
    retention: RetentionSettings = RetentionSettings()
    evidence: EvidenceSettings = EvidenceSettings()
    service: ServiceSettings = ServiceSettings()
    web: WebSettings | None = None
    queue: QueueSettings | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        for label, items in (("source", self.sources), ("scheme", self.schemes),
                             ("channel", self.channels)):
            seen: set[str] = set()
            for item in items:
                if item.name in seen:
                    raise ValueError(f"two {label}s are named {item.name!r}; names must be unique")
                seen.add(item.name)
        known = {c.name for c in self.channels}
        for group, members in self.groups.items():
            for member in members:
                if member not in known:
                    raise ValueError(f"group {group!r} names channel {member!r}, which is not defined")
        targets = known | set(self.groups)
        for scheme in self.schemes:
            for name in [*scheme.recipients, *scheme.escalate_to]:
                if name not in targets:
                    raise ValueError(
                        f"scheme {scheme.name!r} sends to {name!r}, which is neither a channel nor a group"
                    )
        for name in self.digest.channels or []:
            if name not in targets:
                raise ValueError(f"digest.channels names {name!r}, which is neither a channel nor a group")
        for name in self.fetch.admin_channels or []:
            if name not in targets:
                raise ValueError(f"fetch.admin_channels names {name!r}, which is neither a channel nor a group")
        return self

    def source(self, name: str) -> SourceSettings:
        """The source of that name; KeyError if none."""
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(name)

    def expand(self, names: list[str]) -> list[ChannelSettings]:
        """Channels named directly or through groups, in configuration order, once each."""
        wanted: set[str] = set()
        for name in names:
            wanted.update(self.groups.get(name, [name]))
        return [c for c in self.channels if c.name in wanted]

    def missing_secrets(self) -> list[str]:
        """Messages for every `*_env` variable a channel names that is not set."""
        return [
            f"channel {c.name!r} reads {var} from the environment, but it is not set; "
            f"export it before starting yuqing, or remove the key"
            for c in self.channels for var in c.env_names() if not os.environ.get(var)
        ]
