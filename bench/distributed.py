"""Distributed mode against the simulator: polls/s and posts/s with 1, 2 and 4 worker processes, and
the embedded service (`yuqing run`) in the same run, on the same PostgreSQL; then the broker's
overhead per task.

    python bench/distributed.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test_dist18

Each configuration gets a fresh schema and 200 simulated sources (40 copies × 5 boards) polled
every 2 s — 100 polls/s asked for, more than one process can do — and is measured over
`--seconds` after a warm-up: polls stored per second, and posts/s (listed items parsed and stored
per second, `items_found` summed over the polls). The simulator sends no ETag here, so every poll
parses its whole list (the worst case: lists that change at every poll). Ratios are against one worker process of the
same run; with them, the cores the measured processes used (their CPU time over the window: `yuqing run`,
or every worker process; the clock's apart, as it sends all 100 polls/s asked for whatever the
workers manage) and polls per CPU-second, which the other programs on a shared machine do not
change as much. PostgreSQL's and RabbitMQ's own CPU is not counted. Overhead per task: no-op tasks through the whole machinery (row, RabbitMQ message with
publisher confirms, claim, finish), one worker process of 4 threads, as throughput and as the
round trip of one task at a time.

`--baseline-python` names the interpreter of another checkout (the code before a change, installed
in a virtualenv of its own): every configuration, and the overhead per task, is then measured with
both, one after the other in the same run and on the same simulated sites, so a change's effect is
compared under the same load. `--rounds` repeats the whole sequence.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.engine.url import make_url

from bench.soak import KINDS
from yuqing.collector.models import SourcePoll
from yuqing.config.database import create_db_engine, session_factory, utcnow
from yuqing.config.loading import load_settings
from yuqing.service import plan
from yuqing.service.migrate import upgrade
from yuqing.service.models import DistTask
from yuqing.service.queue import QUEUES, Sender, make_broker
from yuqing.simulator.sites import SimulatedSites

ROOT = Path(__file__).resolve().parent.parent
QUEUE_URL = os.environ.get("YUQING_QUEUE_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


def write_config(folder: Path, url: str, prefix: str, sites: SimulatedSites, copies: int, interval: int) -> Path:
    """`copies` × 5 sources every `interval` s on `url`, with a [queue] of prefix `prefix`."""
    parts = [f'[database]\nurl = "{url}"\n[queue]\nprefix = "{prefix}"\n',
             '[fetch]\ntimeout = "5s"\nretries = 0\nper_host_delay = "0s"\nper_host_concurrency = 16\n',
             f'[service]\npipeline_interval = "10s"\njitter = "{interval // 2}s"\nlog_level = "WARNING"\n',
             '[evidence]\nenabled = false\n']
    for copy in range(copies):
        for board, (kind, extra) in KINDS.items():
            threads = "fetch_threads = false\n" if kind == "discuz" else ""
            parts.append(f'[[sources]]\nname = "{board}-{copy}"\nkind = "{kind}"\nurl = "{sites.url(board, copy)}"\n'
                         f'site = "{board}{copy}.example"\ninterval = "{interval}s"\n{threads}{extra}')
    path = folder / f"{prefix}.toml"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def fresh_schema(base_url: str) -> tuple[str, str]:
    """A new schema on `base_url`, migrated; returns (its URL, its name)."""
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_db_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)
    engine = create_db_engine(url)
    upgrade(engine)
    engine.dispose()
    return url, schema


def drop_schema(base_url: str, schema: str) -> None:
    """Remove a schema made by `fresh_schema`."""
    admin = create_db_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def delete_queues(prefix: str) -> None:
    """Remove a run's queues from RabbitMQ."""
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(QUEUE_URL))
    channel = connection.channel()
    for queue in QUEUES:
        for suffix in ("", ".DQ", ".XQ"):
            channel.queue_delete(queue=f"{prefix}.{queue}{suffix}")
    connection.close()


def start(config: Path, folder: Path, log: str, *command: str, python: str = sys.executable) -> subprocess.Popen[bytes]:
    """`yuqing <command>` run by `python` in its own process group, its output in `folder/log`."""
    env = {**os.environ, "YUQING_QUEUE_URL": QUEUE_URL}
    return subprocess.Popen([python, "-m", "yuqing", "--config", str(config), *command], cwd=folder,
                            env=env, stdout=(folder / log).open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each process group; SIGKILL what has not stopped within 60 s."""
    for process in processes:
        os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def tree_cpu_seconds(pids: list[int]) -> float:
    """CPU seconds (user + system) used so far by these processes and all their descendants."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
            times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    chosen, grew = set(pids), True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in chosen} - chosen
        chosen |= more
        grew = bool(more)
    return sum(times.get(pid, 0.0) for pid in chosen)


def polls_and_items(url: str) -> tuple[int, int]:
    """Polls stored so far, and the listed items they parsed."""
    engine = create_db_engine(url)
    with session_factory(engine)() as session:
        count, items = session.execute(select(func.count(), func.coalesce(func.sum(SourcePoll.items_found), 0))).one()
    engine.dispose()
    return int(count), int(items)


def measure(mode: str, processes: int, args: argparse.Namespace, sites: SimulatedSites, folder: Path,
            code: str = "this", python: str = sys.executable) -> dict:
    """Run one configuration with the code of `python` (`code` names it); return its polls/s and
    posts/s over the measured window."""
    url, schema = fresh_schema(args.database_url)
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    config = write_config(folder, url, prefix, sites, args.copies, args.interval)
    if mode == "embedded":
        running = [start(config, folder, f"{prefix}-run.log", "run", python=python)]
    else:
        running = [start(config, folder, f"{prefix}-clock.log", "clock", python=python),
                   start(config, folder, f"{prefix}-worker.log", "worker", "--processes", str(processes),
                         "--threads", str(args.threads), python=python)]
    try:
        time.sleep(args.warmup)
        workers, clock = [running[-1].pid], [p.pid for p in running[:-1]]  # embedded: the one process
        cpu0, clock0 = tree_cpu_seconds(workers), tree_cpu_seconds(clock)
        (polls0, items0), began = polls_and_items(url), time.monotonic()
        time.sleep(args.seconds)
        polls1, items1 = polls_and_items(url)
        elapsed, cpu = time.monotonic() - began, tree_cpu_seconds(workers) - cpu0
        clock_cpu = tree_cpu_seconds(clock) - clock0
    finally:
        stop(running)
        drop_schema(args.database_url, schema)
        if mode != "embedded":
            delete_queues(prefix)
    figures = {"code": code, "mode": mode, "processes": processes, "polls_per_s": round((polls1 - polls0) / elapsed, 1),
               "posts_per_s": round((items1 - items0) / elapsed, 1), "asked_polls_per_s": args.copies * 5 / args.interval,
               "cores_used": round(cpu / elapsed, 2), "polls_per_cpu_s": round((polls1 - polls0) / cpu, 1),
               "clock_cores": round(clock_cpu / elapsed, 2),
               "load": [round(x, 1) for x in os.getloadavg()]}
    print(json.dumps(figures), flush=True)
    return figures


def overhead(args: argparse.Namespace, sites: SimulatedSites, folder: Path, tasks: int = 2_000, round_trips: int = 50,
             code: str = "this", python: str = sys.executable) -> dict:
    """No-op tasks through the machinery (the worker running the code of `python`): seconds per task at
    throughput, and one at a time."""
    url, schema = fresh_schema(args.database_url)
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    config = write_config(folder, url, prefix, sites, 0, args.interval)
    os.environ["YUQING_QUEUE_URL"] = QUEUE_URL
    settings = load_settings(str(config))[0]
    engine = create_db_engine(url)
    sessions = session_factory(engine)
    sender = Sender(settings, sessions, make_broker(settings))
    worker = start(config, folder, f"{prefix}-worker.log", "worker", "--queues", "digest", "--processes", "1",
                   "--threads", "4", python=python)

    def finished(prefix_key: str) -> int:
        with sessions() as session:
            return session.scalar(select(func.count()).select_from(DistTask).where(
                DistTask.key.like(f"noop:{prefix_key}%"), DistTask.finished_at.is_not(None))) or 0

    try:
        time.sleep(5)
        trips = []
        for i in range(round_trips):
            began = time.monotonic()
            sender.submit([plan.noop_task(f"trip-{i}", utcnow())])
            while not finished(f"trip-{i}"):
                time.sleep(0.001)
            trips.append(time.monotonic() - began)
        began = time.monotonic()
        for start_at in range(0, tasks, 100):
            sender.submit([plan.noop_task(f"bulk-{i}", utcnow()) for i in range(start_at, start_at + 100)])
        while finished("bulk-") < tasks:
            time.sleep(0.05)
        elapsed = time.monotonic() - began
    finally:
        stop([worker])
        sender.broker.close()
        engine.dispose()
        drop_schema(args.database_url, schema)
        delete_queues(prefix)
    figures = {"code": code, "noop_tasks": tasks, "ms_per_task_throughput": round(1000 * elapsed / tasks, 2),
               "round_trip_ms_p50": round(1000 * statistics.median(trips), 1),
               "round_trip_ms_p95": round(1000 * sorted(trips)[int(0.95 * len(trips)) - 1], 1)}
    print(json.dumps(figures), flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test_dist18")
    parser.add_argument("--copies", type=int, default=40)
    parser.add_argument("--interval", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--processes", default="1,2,4")
    parser.add_argument("--baseline-python", help="the interpreter of the code to compare with (another checkout's venv)")
    parser.add_argument("--rounds", type=int, default=1, help="how many times the whole sequence runs")
    args = parser.parse_args()
    print(json.dumps({"uptime_before": os.getloadavg()}), flush=True)
    codes = [("this", sys.executable)] + ([("baseline", args.baseline_python)] if args.baseline_python else [])
    results, costs = [], []
    with tempfile.TemporaryDirectory() as folder, SimulatedSites(copies=args.copies, etags=False) as sites:
        configurations = [("embedded", 1)] + [("distributed", int(n)) for n in args.processes.split(",")]
        for round_ in range(args.rounds):
            for mode, processes in configurations:
                # each configuration with every code in turn, the order swapped each round (load drifts)
                for code, python in codes[::-1] if round_ % 2 else codes:
                    results.append(measure(mode, processes, args, sites, Path(folder), code, python))
        for code, python in codes:
            costs.append(overhead(args, sites, Path(folder), code=code, python=python))
    summary = {"results": results, "overhead": costs, "load_after": os.getloadavg()}
    for code, _ in codes:
        mine = [r for r in results if r["code"] == code]
        ones = [r["polls_per_s"] for r in mine if r["mode"] == "distributed" and r["processes"] == 1]
        if ones:
            one = statistics.median(ones)
            summary[f"ratios_to_1_process ({code})"] = {
                f"{r['mode']}-{r['processes']}": round(r["polls_per_s"] / one, 2) for r in mine}
        summary[f"median polls per CPU-second ({code})"] = {
            f"{mode}-{processes}": statistics.median(r["polls_per_cpu_s"] for r in mine
                                                     if (r["mode"], r["processes"]) == (mode, processes))
            for mode, processes in dict.fromkeys((r["mode"], r["processes"]) for r in mine)}
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
