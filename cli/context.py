"""What every command shares: the settings, the engine and sessions, built on first use."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import click
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from yuqing.config.database import create_db_engine, session_factory
from yuqing.config.errors import ConfigError
from yuqing.config.loading import load_settings
from yuqing.config.logs import configure_command_logging
from yuqing.config.settings import Settings
from yuqing.service.migrate import check_schema


@dataclass
class AppContext:
    """Lazily loaded settings and database handles for one command invocation."""

    config_option: str | None
    console: Console = field(default_factory=lambda: Console(stderr=False))
    _settings: Settings | None = None
    config_path: Path | None = None
    _engine: Engine | None = None

    @property
    def settings(self) -> Settings:
        """The validated settings (ConfigError if the file is bad)."""
        if self._settings is None:
            self._settings, self.config_path = load_settings(self.config_option)
            configure_command_logging(self._settings)
        return self._settings

    def require_secrets(self) -> None:
        """Fail with ConfigError if a channel's *_env variable is not set."""
        problems = self.settings.missing_secrets()
        if problems:
            where = self.config_path or "the built-in configuration"
            raise ConfigError(f"configuration error in {where}:\n  " + "\n  ".join(problems))

    @property
    def engine(self) -> Engine:
        """The engine for [database] url, created once."""
        if self._engine is None:
            self._engine = create_db_engine(self.settings.database.url)
        return self._engine

    def sessions(self, check: bool = True) -> sessionmaker[Session]:
        """A session factory; with `check`, the schema must be at head first."""
        if check:
            check_schema(self.engine)
        return session_factory(self.engine)

    def close(self) -> None:
        """Dispose of the engine, if one was made."""
        if self._engine is not None:
            self._engine.dispose()


pass_app = click.make_pass_decorator(AppContext)
