"""`yuqing worker`: Dramatiq's own worker processes (its CLI's process management: a parent that
starts N processes of T threads, forwards SIGTERM/SIGINT and stops them cleanly) on the queues
asked for, with `yuqing.service.actors:setup` as the broker module.
"""

from __future__ import annotations

import os
from pathlib import Path

from yuqing.config.settings import Settings
from yuqing.service.queue import QUEUES, broker_queue, broker_url

BROKER_MODULE = "yuqing.service.actors:setup"


def parse_queues(values: tuple[str, ...]) -> list[str]:
    """The queues named (repeated or comma-separated, e.g. "fetch,analysis"); all of them when none."""
    names = [name.strip() for value in values for name in value.split(",") if name.strip()]
    return names or list(QUEUES)


def dramatiq_arguments(settings: Settings, queues: list[str], processes: int, threads: int) -> list[str]:
    """The command line of Dramatiq's worker CLI for these queues, processes and threads."""
    names = [broker_queue(settings, queue) for queue in queues]  # ConfigError on an unknown queue
    return [BROKER_MODULE, "--processes", str(processes), "--threads", str(threads), "--queues", *names,
            "--worker-shutdown-timeout", "60000"]


def run_workers(settings: Settings, config_path: Path | None, queues: list[str], processes: int,
                threads: int) -> int:
    """Run Dramatiq's worker processes in the foreground until SIGTERM/SIGINT; return the exit code.

    The processes read the configuration again from YUQING_CONFIG (set here to the file in use)."""
    import dramatiq.cli

    broker_url(settings)  # fail here, with the variable's name, rather than in every process
    arguments = dramatiq.cli.make_argument_parser().parse_args(
        dramatiq_arguments(settings, queues, processes, threads))
    if config_path is not None:
        os.environ["YUQING_CONFIG"] = str(config_path.resolve())
    return int(dramatiq.cli.main(arguments) or 0)
