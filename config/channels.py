"""The settings of one alert channel (`[[channels]]`): where it sends, its secrets' variables,
its minimum tier, quiet hours and rate limit."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Literal

from pydantic import Field, field_validator, model_validator

from yuqing.config.section import Section, check_optional_timezone
from yuqing.config.types import Duration, TierId, TimeRange


class ChannelSettings(Section):
    name: str = Field(min_length=1)
    kind: Literal["webhook", "wecom", "dingtalk", "feishu", "email", "log"]
    url: str | None = None
    url_env: str | None = None
    secret_env: str | None = None
    min_tier: TierId = "significant"
    quiet_hours: TimeRange | None = None
    timezone: str | None = Field(default=None, description="of quiet_hours; default digest.timezone")
    rate_limit: int | None = Field(default=None, ge=1, description="messages per minute at most")
    timeout: Duration = timedelta(seconds=10)
    ca_file: str | None = None
    # email
    smtp_host: str | None = None
    smtp_port: int | None = Field(default=None, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username_env: str | None = None
    password_env: str | None = None
    sender: str | None = None
    to: list[str] = []
    # log
    path: str | None = None

    _tz = field_validator("timezone")(check_optional_timezone)

    @model_validator(mode="after")
    def _complete(self) -> ChannelSettings:
        if self.kind in ("webhook", "wecom", "dingtalk", "feishu") and not (self.url or self.url_env):
            raise ValueError(f'a channel of kind "{self.kind}" needs url or url_env')
        if self.kind == "email" and not (self.smtp_host and self.sender and self.to):
            raise ValueError('a channel of kind "email" needs smtp_host, sender and to')
        return self

    def env_names(self) -> list[str]:
        """The environment variables this channel reads its secrets from."""
        return [n for n in (self.url_env, self.secret_env, self.username_env, self.password_env) if n]

    def secret(self) -> str | None:
        """The signing secret from the environment, if the channel has one."""
        return os.environ.get(self.secret_env) if self.secret_env else None

    def resolved_url(self) -> str | None:
        """The URL, from `url_env` when set (webhook URLs often carry a key)."""
        return os.environ.get(self.url_env) if self.url_env else self.url
