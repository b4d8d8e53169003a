"""Distributed mode under test: a PostgreSQL schema and a RabbitMQ queue prefix of the test's own,
`yuqing clock` and `yuqing worker` as real subprocesses, everything stopped and removed after.

Needs PostgreSQL (YUQING_TEST_DATABASE_URL) and RabbitMQ (YUQING_TEST_QUEUE_URL, default
amqp://guest:guest@127.0.0.1:5672/%2F); the tests skip, saying which is missing, without them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import isolated_postgres_url, postgres_url_or_skip
from yuqing.config.database import create_db_engine, session_factory
from yuqing.service.migrate import upgrade
from yuqing.service.queue import QUEUES

ROOT = Path(__file__).resolve().parents[2]
QUEUE_ENV = "YUQING_TEST_QUEUE_URL"
DEFAULT_QUEUE_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"


def queue_url_or_skip() -> str:
    """The RabbitMQ URL for tests, or skip the test saying RabbitMQ does not answer."""
    url = os.environ.get(QUEUE_ENV, DEFAULT_QUEUE_URL)
    where = urlsplit(url)
    try:
        socket.create_connection((where.hostname or "127.0.0.1", where.port or 5672), timeout=1).close()
    except OSError:
        pytest.skip(f"distributed-mode tests need RabbitMQ ({QUEUE_ENV}, default {DEFAULT_QUEUE_URL}); "
                    f"nothing answers on {where.hostname}:{where.port or 5672}")
    return url


def wait_for(condition: Callable[[], Any], timeout: float, what: str, every: float = 0.2) -> Any:
    """Poll `condition` until it returns something true; AssertionError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@dataclass
class Cluster:
    """One test's distributed deployment: database schema, queue prefix, config, processes."""

    folder: Path
    database_url: str
    queue_url: str
    prefix: str
    sessions: sessionmaker[Session]
    processes: list[subprocess.Popen[str]] = field(default_factory=list)
    config: Path | None = None

    def write_config(self, body: str) -> Path:
        """The configuration: `body` plus the database and `[queue]` sections of this cluster."""
        self.config = self.folder / "yuqing.toml"
        self.config.write_text(f'[database]\nurl = "{self.database_url}"\n[queue]\nurl_env = "YUQING_QUEUE_URL"\n'
                               f'prefix = "{self.prefix}"\n{body}', encoding="utf-8")
        return self.config

    def start(self, *command: str, log: str) -> subprocess.Popen[str]:
        """`yuqing <command>` on this cluster's configuration, its output in `<folder>/<log>`."""
        assert self.config is not None, "write_config first"
        env = {**os.environ, "YUQING_QUEUE_URL": self.queue_url}
        out = (self.folder / log).open("w")
        process = subprocess.Popen([sys.executable, "-m", "yuqing", "--config", str(self.config), *command],
                                   cwd=self.folder, env=env, stdout=out, stderr=subprocess.STDOUT, text=True,
                                   start_new_session=True)
        self.processes.append(process)
        return process

    def worker(self, *options: str, log: str = "worker.log") -> subprocess.Popen[str]:
        """`yuqing worker` with `options` (default: 1 process of 4 threads on every queue)."""
        return self.start("worker", *(options or ("--processes", "1", "--threads", "4")), log=log)

    def clock(self, log: str = "clock.log") -> subprocess.Popen[str]:
        """`yuqing clock`."""
        return self.start("clock", log=log)

    def log(self, name: str) -> str:
        """What a process wrote to its log so far."""
        return (self.folder / name).read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """SIGTERM every process group still running, SIGKILL what has not stopped in 30 s."""
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def delete_queues(queue_url: str, prefix: str) -> None:
    """Remove the test's queues (and their delay and dead-letter queues) from RabbitMQ."""
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(queue_url))
    try:
        channel = connection.channel()
        for queue in QUEUES:
            for suffix in ("", ".DQ", ".XQ"):
                channel.queue_delete(queue=f"{prefix}.{queue}{suffix}")
    finally:
        connection.close()


@contextmanager
def open_cluster(folder: Path, database_url: str, queue_url: str) -> Iterator[Cluster]:
    """A Cluster on a migrated schema of its own in the PostgreSQL of `database_url` and a queue
    prefix of its own on the RabbitMQ of `queue_url`; its processes stopped, queues and schema
    removed after."""
    isolated, drop = isolated_postgres_url(database_url)
    engine = create_db_engine(isolated)
    upgrade(engine)
    found = Cluster(folder, isolated, queue_url, f"t{uuid.uuid4().hex[:10]}", session_factory(engine))
    try:
        yield found
    finally:
        found.stop()
        engine.dispose()
        delete_queues(queue_url, found.prefix)
        drop()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """A migrated PostgreSQL schema and a queue prefix of this test's own; cleaned up after."""
    url = postgres_url_or_skip()
    queue_url = queue_url_or_skip()
    with open_cluster(tmp_path, url, queue_url) as found:
        yield found
