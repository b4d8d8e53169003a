"""Serving the console with uvicorn: in the foreground (`yuqing web`, `yuqing demo --serve`) or in a
thread beside the scheduler (`yuqing run` with `[web]`). Settings and an engine in, a server out."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime

import uvicorn
from sqlalchemy import Engine

from yuqing.config.database import session_factory, utcnow
from yuqing.config.errors import ConfigError
from yuqing.config.settings import Settings
from yuqing.config.web import WebSettings
from yuqing.web.app import create_app

logger = logging.getLogger(__name__)
MIN_SECRET = 16
# A thread that gave up the interpreter lock for I/O waits up to this long to get it back from a
# busy one (another request, or the service's passes). The default 5 ms, paid at every query and
# socket write of a request, doubled the console's latency with 8 clients (BENCHMARKS.md).
SWITCH_INTERVAL = 0.001


def console_secret(settings: Settings) -> str:
    """The signing secret from `[web] secret_env`; ConfigError naming the variable when it is unset or short."""
    web = settings.web or WebSettings()
    secret = web.secret()
    if secret is None or len(secret) < MIN_SECRET:
        raise ConfigError(
            f"the web console reads its secret from the environment variable {web.secret_env} ([web] secret_env), "
            f"which is {'too short' if secret else 'not set'}; export at least {MIN_SECRET} random characters, "
            f"e.g. {web.secret_env}=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')")
    return secret


def build_server(settings: Settings, engine: Engine, secret: str,
                 clock: Callable[[], datetime] = utcnow) -> uvicorn.Server:
    """A uvicorn server of the console on `[web] listen`; X-Forwarded-* trusted from 127.0.0.1 only."""
    web = settings.web or WebSettings()
    app = create_app(settings, session_factory(engine), secret, clock)
    config = uvicorn.Config(app, host=web.host, port=web.port, log_level="warning", access_log=False,
                            proxy_headers=True, forwarded_allow_ips="127.0.0.1", server_header=False)
    return uvicorn.Server(config)


def serve_console(settings: Settings, engine: Engine, secret: str) -> None:
    """Serve in the foreground until Ctrl-C or SIGTERM (the request threads switch every SWITCH_INTERVAL)."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    build_server(settings, engine, secret).run()


def serve_workers(settings: Settings, config_path: str | None, workers: int) -> None:
    """Serve from `workers` processes (uvicorn's supervisor), each building the app from the config file."""
    from yuqing.web.asgi import LISTEN_ENV

    web = settings.web or WebSettings()
    if config_path:
        os.environ["YUQING_CONFIG"] = config_path
    os.environ[LISTEN_ENV] = web.listen
    uvicorn.run("yuqing.web.asgi:create_from_environment", factory=True, host=web.host, port=web.port,
                workers=workers, log_level="warning", access_log=False, proxy_headers=True,
                forwarded_allow_ips="127.0.0.1", server_header=False)


class ConsoleThread:
    """The console served from a daemon thread; `stop` ends it."""

    def __init__(self, settings: Settings, engine: Engine, secret: str,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.server = build_server(settings, engine, secret, clock)
        self.thread = threading.Thread(target=self._run, name="yuqing-web", daemon=True)
        self.failure: str | None = None
        self.previous_switch = sys.getswitchinterval()

    def _run(self) -> None:
        try:
            self.server.run()
        except SystemExit as exc:  # uvicorn exits when it cannot bind; `start` reports it
            self.failure = f"uvicorn exited with {exc.code}"

    def start(self, timeout: float = 10.0) -> None:
        """Start serving; ConfigError when it is not listening within `timeout` (port taken, bad address).

        The process's switch interval drops to SWITCH_INTERVAL while the console runs beside other work."""
        self.previous_switch = sys.getswitchinterval()
        sys.setswitchinterval(min(self.previous_switch, SWITCH_INTERVAL))
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started and self.thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if not self.server.started:
            config = self.server.config
            raise ConfigError(f"the web console could not listen on {config.host}:{config.port} ([web] listen; "
                              f"{self.failure or 'no answer'}); is the port taken?")
        logger.info("web console on http://%s:%s/", self.server.config.host, self.server.config.port)

    def stop(self) -> None:
        """Ask uvicorn to finish and wait for the thread."""
        self.server.should_exit = True
        self.thread.join(timeout=10)
        sys.setswitchinterval(self.previous_switch)
