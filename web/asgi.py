"""The console as an app factory for uvicorn's worker processes (`yuqing web --workers N`): each worker
loads the configuration named by $YUQING_CONFIG and builds its own engine and app."""

from __future__ import annotations

import os
import sys

from starlette.applications import Starlette

from yuqing.config.database import create_db_engine, session_factory
from yuqing.config.loading import load_settings
from yuqing.config.web import WebSettings
from yuqing.web.app import create_app

LISTEN_ENV = "YUQING_WEB_LISTEN"  # `--listen` of the parent, so the workers' settings agree with it


def create_from_environment() -> Starlette:
    """The console app of the configuration in $YUQING_CONFIG (the parent `yuqing web` checked it)."""
    from yuqing.web.serve import SWITCH_INTERVAL, console_secret

    sys.setswitchinterval(SWITCH_INTERVAL)  # the worker process serves only the console

    settings, _ = load_settings(os.environ.get("YUQING_CONFIG"))
    section = settings.web or WebSettings()
    if os.environ.get(LISTEN_ENV):
        section = WebSettings.model_validate({**section.model_dump(), "listen": os.environ[LISTEN_ENV]})
    settings = settings.model_copy(update={"web": section})
    return create_app(settings, session_factory(create_db_engine(settings.database.url)), console_secret(settings))
