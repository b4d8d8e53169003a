"""Distributed mode, the broker side: queue names, the Dramatiq broker on RabbitMQ, sending tasks
(row first, message second) and the queues' depths.

Dramatiq and pika are imported on first use, so embedded mode (and every `yuqing` start-up) never
loads them. The broker's URL comes only from the environment variable `[queue] url_env` names;
it is never logged or shown.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from yuqing.config.database import transaction, utcnow
from yuqing.config.errors import ConfigError
from yuqing.config.settings import QueueSettings, Settings
from yuqing.service.task_store import TaskMessage, TaskSpec, insert_tasks, mark_sent

if TYPE_CHECKING:
    from dramatiq import Broker

logger = logging.getLogger(__name__)

# The queues (their names on the broker start with `[queue] prefix` and a dot), what runs on each.
QUEUES: dict[str, str] = {
    "fetch": "polls: fetch, parse and store one source",
    "analysis": "analysis.analyze_posts",
    "stories": "story assignment, story figures and tiers, bursts",
    "alerts": "tier changes → incidents and queued alerts, deadlines, source alerts",
    "delivery": "the outbox of one channel",
    "evidence": "evidence pages, deletion checks, screenshots",
    "digest": "the daily digest and retention",
}


def queue_settings(settings: Settings) -> QueueSettings:
    """The `[queue]` section; ConfigError when distributed mode is not configured."""
    if settings.queue is None:
        raise ConfigError("distributed mode needs a [queue] section in the configuration "
                          "(url_env names the variable holding the RabbitMQ URL); see docs/deployment.md")
    return settings.queue


def broker_url(settings: Settings) -> str:
    """The RabbitMQ URL from the environment; ConfigError naming the variable when it is unset."""
    queue = queue_settings(settings)
    url = queue.url()
    if url is None:
        raise ConfigError(f"[queue] url_env names {queue.url_env}, but it is not set; export the RabbitMQ URL "
                          f"(amqp://user:password@host:5672/vhost) in it before starting yuqing")
    return url


def require_postgresql(engine: Engine) -> None:
    """Distributed mode keeps its record in PostgreSQL; ConfigError on anything else."""
    if engine.dialect.name != "postgresql":
        raise ConfigError("distributed mode needs PostgreSQL as its database ([database] url = "
                          "\"postgresql+psycopg://…\"); SQLite is for one embedded `yuqing run`")


def broker_queue(settings: Settings, queue: str) -> str:
    """The broker's name of one of QUEUES: `<prefix>.<queue>`."""
    if queue not in QUEUES:
        raise ConfigError(f"unknown queue {queue!r}; the queues are {', '.join(QUEUES)}")
    return f"{queue_settings(settings).prefix}.{queue}"


def quiet_pika() -> None:
    """Keep pika's own log to what nobody else reports: it writes a line per connection step at
    INFO and six ERROR lines per failed connection attempt (sixty a second per process while the
    broker is down), where the Sender, the sweeper and Dramatiq's consumers each say it once."""
    logging.getLogger("pika").setLevel(logging.CRITICAL)


RETRIES = 3  # retries of a task that raised
OUTAGE_RETRIES = 12  # … when what it raised says the database (or the broker) is away: 3–4 minutes of them


def retry_when(retries: int, exception: BaseException) -> bool:
    """Whether Dramatiq retries a task that raised `exception` after `retries` retries (see make_broker)."""
    from dramatiq.errors import BrokerConnectionError

    away = isinstance(exception, (OperationalError, InterfaceError, BrokerConnectionError))
    return retries < (OUTAGE_RETRIES if away else RETRIES)


def make_broker(settings: Settings, middleware: list[Any] | None = None) -> Broker:
    """A Dramatiq RabbitMQ broker for these settings (with Dramatiq's default middleware and `middleware`).

    Retries (`retry_when`): 1, 2, 4, 8, 16 s apart then every 30 s; three of them for an error,
    twelve (three to four minutes) while the database or the broker is away, so that a task in
    flight at an outage finishes after it. What still fails is recorded on its task and left to
    the next slot."""
    import dramatiq
    from dramatiq.brokers.rabbitmq import RabbitmqBroker
    from dramatiq.middleware import Retries

    quiet_pika()
    broker = RabbitmqBroker(url=broker_url(settings), confirm_delivery=True)
    for item in broker.middleware:
        if isinstance(item, Retries):
            item.retry_when, item.min_backoff, item.max_backoff = retry_when, 1_000, 30_000
    for item in middleware or []:
        broker.add_middleware(item)
    dramatiq.set_broker(broker)
    return broker


@dataclass
class Sender:
    """Sends tasks: the row is written (once per key) before its message goes to the broker."""

    settings: Settings
    sessions: sessionmaker[Session]
    broker: Broker
    failing: bool = False  # the last send failed: further failures are not logged until one succeeds

    def submit(self, specs: list[TaskSpec], now: datetime | None = None, not_before: datetime | None = None) -> int:
        """Record the tasks whose key is new and send their messages (run no earlier than `not_before`,
        when given); return how many were new.

        A message that cannot be sent leaves its row unsent; the clock's sweeper sends it later."""
        now = now or utcnow()
        with transaction(self.sessions) as session:
            fresh = insert_tasks(session, specs, now)
        self.send(fresh, not_before)
        return len(fresh)

    def send(self, tasks: list[TaskMessage], not_before: datetime | None = None) -> list[int]:
        """Send (id, key, queue, actor, args) messages, held by the broker until `not_before` when it is
        given and still to come; mark the ones that went; return their ids."""
        from dramatiq import Message

        delay = int((not_before - utcnow()).total_seconds() * 1000) if not_before is not None else 0
        sent: list[int] = []
        try:
            for task_id, key, queue, actor, args in tasks:
                self.broker.enqueue(Message(queue_name=broker_queue(self.settings, queue), actor_name=actor,
                                            args=(key,), kwargs=args, options={}), delay=delay if delay > 0 else None)
                sent.append(task_id)
        except Exception as exc:  # the broker is down: the rows stay unsent, the sweeper retries
            if not self.failing:
                logger.warning("could not send %d task(s) to the broker: %s: %s (said once until it answers; "
                               "unsent tasks are sent by the clock's sweeper)", len(tasks) - len(sent),
                               type(exc).__name__, exc)
            self.failing = True
        else:
            if self.failing and tasks:
                logger.warning("the broker takes tasks again")
            self.failing = self.failing and not tasks
        if sent:
            with transaction(self.sessions) as session:
                mark_sent(session, sent, utcnow())
        return sent


def queue_depths(settings: Settings, timeout: float = 3.0) -> dict[str, int] | None:
    """Messages ready in each queue, by its short name, from RabbitMQ (a passive declare, which
    creates nothing); None when the broker does not answer."""
    import pika

    quiet_pika()
    parameters = pika.URLParameters(broker_url(settings))
    parameters.socket_timeout = parameters.blocked_connection_timeout = timeout
    parameters.connection_attempts = 1
    try:
        connection = pika.BlockingConnection(parameters)
    except Exception as exc:  # unreachable, refused, bad credentials: reported as unknown depths
        logger.warning("the broker does not answer: %s", type(exc).__name__)
        return None
    depths: dict[str, int] = {}
    try:
        for queue in QUEUES:
            channel = connection.channel()
            try:
                found = channel.queue_declare(queue=broker_queue(settings, queue), passive=True)
                depths[queue] = found.method.message_count
                channel.close()
            except Exception:  # not declared yet (no worker or sender used it): nothing waits there
                depths[queue] = 0
    finally:
        if connection.is_open:
            connection.close()
    return depths
