"""The `[web]` section (docs/spec.md §8, §11): where the console listens, the address links point to,
and the environment variable holding the secret that signs sessions' CSRF tokens and links."""

from __future__ import annotations

import os
from datetime import timedelta
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from yuqing.config.section import Section
from yuqing.config.types import Duration


class WebSettings(Section):
    """The console; absent from the file = no console in `yuqing run`."""

    listen: str = "127.0.0.1:8765"
    base_url: str | None = None
    secret_env: str = "YUQING_WEB_SECRET"
    session_ttl: Duration = timedelta(hours=12)
    link_ttl: Duration = timedelta(days=3)
    login_attempts: int = Field(default=5, ge=1, le=100)
    login_lockout: Duration = timedelta(minutes=15)

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"listen {value!r} must be HOST:PORT, e.g. \"127.0.0.1:8765\"")
        return value

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).hostname:
            raise ValueError(f"base_url {value!r} must be an http(s) URL, e.g. \"https://yuqing.office.example/\"")
        return value if value.endswith("/") else value + "/"

    @property
    def host(self) -> str:
        """The address to bind."""
        return self.listen.rpartition(":")[0].strip("[]")

    @property
    def port(self) -> int:
        """The port to bind."""
        return int(self.listen.rpartition(":")[2])

    @property
    def secure_cookies(self) -> bool:
        """Cookies carry Secure when the console is reached over https."""
        return bool(self.base_url and self.base_url.startswith("https://"))

    def secret(self) -> str | None:
        """The signing secret from the environment, or None when it is not set."""
        return os.environ.get(self.secret_env) or None
