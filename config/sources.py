"""The settings of fetching and of each source (`[fetch]`, `[[sources]]`): how pages are fetched,
what each source is, and the selectors of list pages (CSS) and JSON APIs (JMESPath)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from yuqing.config.platforms import JsonSelectors, check_json_source, selectors_kind
from yuqing.config.section import Section, check_timezone
from yuqing.config.types import ByteSize, Duration


class FetchSettings(Section):
    """How every source is fetched unless the source says otherwise."""

    user_agent: str = "yuqing/0.1 (+public-opinion monitor; contact your site operator)"
    timeout: Duration = timedelta(seconds=20)
    retries: int = Field(default=2, ge=0, le=10)
    backoff: Duration = timedelta(seconds=1)
    max_bytes: ByteSize = 10 * 1024 * 1024
    max_redirects: int = Field(default=5, ge=0, le=20)
    concurrency: int = Field(default=8, ge=1, le=256)
    per_host_concurrency: int = Field(default=2, ge=1, le=64)
    per_host_delay: Duration = timedelta(seconds=1)
    obey_robots: bool = True
    failure_backoff_max: Duration = timedelta(hours=6)
    max_retry_wait: Duration = timedelta(seconds=30)
    blocked_backoff: Duration = timedelta(hours=6)
    admin_channels: list[str] | None = None

    @field_validator("user_agent")
    @classmethod
    def _ascii_header(cls, value: str) -> str:
        if not value.isascii() or any(c in value for c in "\r\n"):
            raise ValueError("user_agent goes into an HTTP header: use ASCII characters on one line")
        return value


class Selectors(Section):
    """CSS selectors of a `kind = "html"` list page; "sel@attr" reads an attribute."""

    item: str
    title: str
    link: str
    time: str | None = None
    body: str | None = None
    author: str | None = None
    views: str | None = None
    replies: str | None = None
    reposts: str | None = None


AnySelectors = Annotated[Annotated[Selectors, Tag("css")] | Annotated[JsonSelectors, Tag("jmespath")],
                         Discriminator(selectors_kind)]  # the tags appear in error locations (SELECTOR_TAGS)


class SourceSettings(Section):
    name: str = Field(min_length=1)
    kind: Literal["rss", "discuz", "html", "json"]
    url: str
    site: str | None = None
    interval: Duration = timedelta(minutes=10)
    encoding: str | None = None
    enabled: bool = True
    timezone: str = "Asia/Shanghai"
    obey_robots: bool | None = None
    fetch_article: bool = False
    fetch_threads: bool = True  # Discuz!: a board's list alone gives titles only
    selectors: AnySelectors | None = None
    # kind = "json" (config/platforms.py, docs/spec.md §13)
    headers: dict[str, str] = {}
    headers_env: dict[str, str] = {}
    link_template: str | None = None
    max_pages: int = Field(default=1, ge=1, le=50)
    first_page: int = Field(default=1, ge=0)

    _tz = field_validator("timezone")(check_timezone)

    @field_validator("url")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        if value is not None:
            import codecs

            try:
                codecs.lookup(value)
            except LookupError as exc:
                raise ValueError(f"unknown encoding {value!r}; use e.g. \"gbk\", \"big5\", \"utf-8\"") from exc
        return value

    @model_validator(mode="after")
    def _selectors_for_html(self) -> SourceSettings:
        if self.kind == "html" and not isinstance(self.selectors, Selectors):
            raise ValueError('a source of kind "html" needs a [sources.selectors] table of CSS selectors')
        check_json_source(self.url, self.kind, self.selectors, self.link_template, self.headers, self.headers_env)
        if self.interval < timedelta(seconds=1):
            raise ValueError("interval must be at least 1s")
        return self

    @property
    def site_name(self) -> str:
        """The site posts of this source count as, by default the URL's host."""
        return self.site or (urlsplit(self.url).hostname or self.url)
