"""`yuqing clock` and `yuqing worker`: distributed mode (docs/deployment.md)."""

from __future__ import annotations

import signal
from types import FrameType

import click

from yuqing.cli.context import AppContext, pass_app
from yuqing.config.logs import configure_logging


@click.command()
@click.option("--log-level", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
              help="Override service.log_level.")
@pass_app
def clock(app: AppContext, log_level: str | None) -> None:
    """Distributed mode's scheduler: sends due polls and pipeline passes to the workers (one active;
    others wait as standbys and take over within seconds)."""
    from yuqing.service.clock import Clock
    from yuqing.service.queue import broker_url

    broker_url(app.settings)
    configure_logging(app.settings, log_level)
    app.sessions()  # schema check first, with the usual message
    runner = Clock(app.settings, app.engine)

    def handle(signum: int, _frame: FrameType | None) -> None:
        runner.request_stop()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    code = runner.run()
    if code:
        raise SystemExit(code)


@click.command()
@click.option("--queues", "-Q", multiple=True, metavar="Q[,Q…]",
              help="Queues to work on (fetch, analysis, stories, alerts, delivery, evidence, digest); default all.")
@click.option("--processes", "-p", type=click.IntRange(1, 256), default=2, show_default=True,
              help="Worker processes.")
@click.option("--threads", "-t", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Threads per process.")
@pass_app
def worker(app: AppContext, queues: tuple[str, ...], processes: int, threads: int) -> None:
    """Distributed mode's workers: Dramatiq processes that poll, analyse, tier, alert and deliver."""
    from yuqing.service.queue import broker_url, require_postgresql
    from yuqing.service.worker import parse_queues, run_workers

    broker_url(app.settings)
    app.require_secrets()
    app.sessions()
    require_postgresql(app.engine)
    app.close()  # the worker processes open their own connections
    code = run_workers(app.settings, app.config_path, parse_queues(queues), processes, threads)
    if code:
        raise SystemExit(code)


COMMANDS = [clock, worker]
