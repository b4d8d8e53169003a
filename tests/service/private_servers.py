"""A RabbitMQ node and a PostgreSQL cluster of a test's own on 127.0.0.1, which the test may stop
and start again without touching the shared servers on 5672 and 5432 that other tests use.

- `PrivateRabbit`: Debian's `rabbitmq-server -detached` with its own node name, AMQP port,
  distribution port, epmd port (ERL_EPMD_PORT: an epmd of its own, killed at the end), config
  (loopback listener only, no plugins), mnesia and log folders in a temporary folder; stopped
  with `rabbitmqctl -n <node> stop`. Debian's wrapper runs both as the `rabbitmq` user.
- `PrivatePostgres`: `initdb` and `pg_ctl` from /usr/lib/postgresql/*/bin on a free port, the
  data folder temporary, run as the `postgres` user when we are root (PostgreSQL refuses root).

`private_rabbit_or_skip` and `private_postgres_or_skip` skip the test, saying why, where the
server's programs (or the user they run as) are missing.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

START_TIMEOUT = 120.0  # seconds for a node to boot on a loaded 2-core machine


def free_ports(count: int) -> list[int]:
    """`count` different TCP ports on 127.0.0.1 that nothing listens on right now."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def answers(port: int) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:`port`."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def _folder_for(user: str | None, prefix: str) -> Path:
    """A fresh temporary folder, owned by `user` (when we are root) so that its server may write there."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    if user is not None and os.geteuid() == 0:
        shutil.chown(folder, user=user)
    return folder


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@dataclass
class PrivateRabbit:
    """One RabbitMQ node of a test's own (module docstring)."""

    folder: Path
    node: str
    port: int
    dist_port: int
    epmd_port: int

    @property
    def url(self) -> str:
        """The AMQP URL of this node (guest works from the loopback interface)."""
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def env(self) -> dict[str, str]:
        """The environment of `rabbitmq-server` and `rabbitmqctl` for this node."""
        return {**os.environ, "RABBITMQ_NODENAME": self.node, "RABBITMQ_NODE_PORT": str(self.port),
                "RABBITMQ_DIST_PORT": str(self.dist_port), "ERL_EPMD_PORT": str(self.epmd_port),
                "RABBITMQ_MNESIA_BASE": str(self.folder / "mnesia"), "RABBITMQ_LOG_BASE": str(self.folder / "log"),
                "RABBITMQ_CONFIG_FILE": str(self.folder / "rabbitmq.conf"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.folder / "enabled_plugins")}

    def configure(self) -> None:
        """Write the node's config: an AMQP listener on 127.0.0.1 only, no plugins (no management port)."""
        (self.folder / "rabbitmq.conf").write_text(f"listeners.tcp.1 = 127.0.0.1:{self.port}\n", encoding="utf-8")
        (self.folder / "enabled_plugins").write_text("[].\n", encoding="utf-8")

    def start(self) -> float:
        """`rabbitmq-server -detached`, then wait until AMQP answers; return the seconds it took."""
        started = time.monotonic()
        subprocess.run(["rabbitmq-server", "-detached"], env=self.env(), check=True, timeout=60,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while not self.amqp_answers():
            if time.monotonic() - started > START_TIMEOUT:
                raise AssertionError(f"RabbitMQ node {self.node} did not answer on port {self.port} "
                                     f"in {START_TIMEOUT:.0f} s; its log is in {self.folder / 'log'}")
            time.sleep(0.3)
        return time.monotonic() - started

    def amqp_answers(self) -> bool:
        """Whether the node accepts an AMQP connection (not only TCP: it has finished booting)."""
        import pika

        parameters = pika.URLParameters(self.url)
        parameters.connection_attempts, parameters.socket_timeout = 1, 2
        try:
            pika.BlockingConnection(parameters).close()
        except Exception:  # refused, reset or not ready: the node is not up (yet)
            return False
        return True

    def stop(self) -> None:
        """`rabbitmqctl -n <node> stop` (the node finishes writing its queues and halts)."""
        subprocess.run(["rabbitmqctl", "-n", self.node, "stop"], env=self.env(), check=True, timeout=120,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while answers(self.port) and time.monotonic() < deadline:
            time.sleep(0.2)

    def remove(self) -> None:
        """Stop the node if it runs, kill its epmd and delete its folder."""
        try:
            if answers(self.port):
                self.stop()
        finally:
            subprocess.run(["epmd", "-port", str(self.epmd_port), "-kill"], check=False, timeout=30,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def private_rabbit_or_skip() -> Iterator[PrivateRabbit]:
    """A running RabbitMQ node of the test's own; skips, saying why, where it cannot be started."""
    for program in ("rabbitmq-server", "rabbitmqctl", "epmd"):
        if shutil.which(program) is None:
            pytest.skip(f"the broker-restart test starts a RabbitMQ node of its own and needs {program} "
                        f"(Debian's rabbitmq-server package); it is not installed")
    if os.geteuid() != 0 and pwd.getpwuid(os.geteuid()).pw_name != "rabbitmq":
        pytest.skip("Debian's rabbitmq-server runs only as root or as the rabbitmq user")
    rabbit = PrivateRabbit(_folder_for("rabbitmq", "yuqing-rabbit-"), f"yuqing{uuid.uuid4().hex[:8]}@localhost",
                           *free_ports(3))
    try:
        rabbit.configure()
        rabbit.start()
        yield rabbit
    finally:
        rabbit.remove()


def postgres_bin() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl, or None."""
    found = [path.parent for path in Path("/usr/lib/postgresql").glob("*/bin/initdb") if (path.parent / "pg_ctl").exists()]
    return max(found, key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0) if found else None


@dataclass
class PrivatePostgres:
    """One PostgreSQL cluster of a test's own (module docstring)."""

    bin: Path
    folder: Path
    port: int

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of its `postgres` database (trust authentication on 127.0.0.1)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *arguments: str) -> None:
        command = [str(self.bin / program), *arguments]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, timeout=120, cwd=self.folder, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)

    def init(self) -> None:
        """initdb: a cluster whose superuser `postgres` logs in without a password."""
        self._run("initdb", "-D", str(self.folder / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--no-sync")

    def start(self) -> None:
        """pg_ctl start, waiting until it accepts connections."""
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   f"-c max_connections=200")
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.folder / "server.log"), "-w",
                  "-t", "120", "-o", options, "start")

    def stop(self) -> None:
        """pg_ctl stop -m fast: every session is ended at once, as a crash of the server would."""
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "-t", "120", "stop")

    def remove(self) -> None:
        """Stop the cluster if it runs, delete its folder."""
        try:
            if (self.folder / "data" / "postmaster.pid").exists():
                self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def private_postgres_or_skip() -> Iterator[PrivatePostgres]:
    """A running PostgreSQL cluster of the test's own; skips, saying why, where it cannot be made."""
    found = postgres_bin()
    if found is None:
        pytest.skip("the database-outage test makes a PostgreSQL cluster of its own and needs initdb and "
                    "pg_ctl in /usr/lib/postgresql/<version>/bin (Debian's postgresql package); none found")
    if os.geteuid() == 0 and not _user_exists("postgres"):
        pytest.skip("PostgreSQL refuses to run as root and there is no postgres user to run it as")
    server = PrivatePostgres(found, _folder_for("postgres", "yuqing-pg-"), free_ports(1)[0])
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.remove()
