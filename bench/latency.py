"""Issue 18's latency figure: from a post appearing on a simulated site to its alert arriving at a
webhook receiver, p50 and p95, at idle and under the soak's load.

    python -m bench.latency --load idle --stories 20          # 5 sources (one copy of the sites) every 10 s
    python -m bench.latency --load soak --stories 20          # 200 sources every 10 s, as bench/soak.py
    python -m bench.latency --load both --out latency.json    # each in both modes (--mode, below)

`yuqing run` (embedded mode) runs as a subprocess with the soak's configuration (bench/soak.py: sources every
`--interval`, jitter half of it, `pipeline_interval` the same, a webhook at `min_tier = significant`).
After a warm-up the script publishes `--stories` negative statements about the watched bureau on the
weibo-like list of copy 0 (bench/latency_stories.py), one every 6–14 s (random, so they fall at any
phase of the poll and pipeline schedules), each with 130 reposts: tier `significant` (reposts > 100)
at its first poll. The appearance time is the simulator's clock when it began serving the post
(`SimulatedSites.publish`); the arrival time is the receiver's clock when the POST came in; both on
this machine, paired by the post URL in the payload. Each latency is split where the database saw it:
post stored (`posts.first_seen_at`), alert queued (`alerts.created_at`). Percentiles by nearest rank.

`--mode distributed` runs the same sites, receiver and statements through `yuqing clock` + `yuqing worker
--processes N --threads T` instead: the soak's configuration with its database on a fresh schema of
`--database-url` (PostgreSQL) and a `[queue]` of its own prefix on RabbitMQ (`$YUQING_QUEUE_URL`, default
amqp://guest:guest@127.0.0.1:5672/%2F), both removed afterwards (bench/distributed.py's helpers).
`--mode both` (the default) measures the embedded service first, in the same run, as the baseline;
embedded mode keeps the soak's SQLite database. CPU is counted for the service's whole process tree
(every worker process, the clock, an embedded parse pool).

    python -m bench.latency --mode both --load both --stories 20 --out latency.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench import distributed, soak
from bench.latency_stories import STORIES
from yuqing.alerts.models import Alert
from yuqing.collector.models import Post, SourcePoll
from yuqing.config.database import create_db_engine, session_factory
from yuqing.config.loading import load_settings
from yuqing.service import plan
from yuqing.service.migrate import upgrade
from yuqing.service.models import DistTask
from yuqing.simulator import scenario
from yuqing.simulator.receiver import WebhookReceiver
from yuqing.simulator.sites import SimulatedSites

ROOT = Path(__file__).resolve().parent.parent
FIRST_ID = 90_000  # published items' ids: /weibo/status/90000 …
_STATUS = re.compile(r"/weibo/status/(\d+)")
LOADS = {"idle": 1, "soak": 40}  # copies of the 5 simulated sites


def start_service(mode: str, config: Path, folder: Path, args: argparse.Namespace) -> list[subprocess.Popen[bytes]]:
    """`yuqing run` (embedded), or `yuqing clock` + `yuqing worker --processes N --threads T` (distributed),
    each in its own process group, its output in `folder`."""
    if mode == "embedded":
        return [distributed.start(config, folder, "run.log", "run")]
    return [distributed.start(config, folder, "clock.log", "clock"),
            distributed.start(config, folder, "worker.log", "worker", "--processes", str(args.processes),
                              "--threads", str(args.threads))]


def distributed_config(config: Path, url: str, prefix: str) -> None:
    """Turn the soak's configuration into distributed mode's: its database `url`, a `[queue]` of `prefix`."""
    text = config.read_text(encoding="utf-8")
    text = text.replace('[database]\nurl = "sqlite:///soak.db"\n', f'[database]\nurl = "{url}"\n[queue]\nprefix = "{prefix}"\n')
    if f'prefix = "{prefix}"' not in text:
        raise RuntimeError("bench/soak.py's configuration changed: its [database] line was not found")
    config.write_text(text, encoding="utf-8")


def item(n: int) -> scenario.Item:
    """The n-th published statement: a weibo post at 130 reposts, tier `significant` at once."""
    title, body = STORIES[n % len(STORIES)]
    return scenario.Item(FIRST_ID + n, "weibo", title, body, f"网友{n}", 0, {0: (3000 + n, 40, 130)})


def run_load(load: str, args: argparse.Namespace) -> dict[str, Any]:
    """One run of the service (`args.mode`) under `load`; the latencies of every published statement."""
    folder = Path(tempfile.mkdtemp(prefix=f"yuqing-latency-{args.mode}-{load}-"))
    schema = prefix = None
    rng = random.Random(18)
    with SimulatedSites(copies=LOADS[load]) as sites, WebhookReceiver() as receiver:
        config = soak.write_config(folder, sites, receiver, LOADS[load], args.interval)
        if args.pipeline_interval:  # the soak's configuration with another pass interval
            text = re.sub(r'pipeline_interval = "\d+s"', f'pipeline_interval = "{args.pipeline_interval}s"',
                          config.read_text(encoding="utf-8"))
            config.write_text(text, encoding="utf-8")
        if args.mode == "distributed":
            url, schema = distributed.fresh_schema(args.database_url)  # migrated
            prefix = f"latency{schema.removeprefix('bench_')}"
            distributed_config(config, url, prefix)
        settings, _ = load_settings(str(config))
        engine = create_db_engine(settings.database.url)
        upgrade(engine)
        sessions = session_factory(engine)
        services = start_service(args.mode, config, folder, args)
        published: dict[int, float] = {}
        began = time.monotonic()
        try:
            next_step, next_publish, deadline = args.warmup / 2, args.warmup, math.inf
            window = {"began": 0.0, "polls": 0.0, "cpu_s": 0.0}
            while time.monotonic() - began < deadline:
                elapsed = time.monotonic() - began
                if load == "soak" and elapsed >= next_step and sites.step + 1 < scenario.STEPS:
                    sites.advance()  # the soak's world moves on too: its stories are analysed meanwhile
                    next_step += args.step_seconds
                if len(published) < args.stories and elapsed >= next_publish:
                    online = sites.publish(item(len(published)))
                    published[online.id] = online.published_at.timestamp()  # type: ignore[union-attr]
                    next_publish = elapsed + rng.uniform(6, 14)
                    print(f"[{args.mode} {load}] published {online.id} at {elapsed:.1f} s", file=sys.stderr, flush=True)
                    if len(published) == 1:
                        window = {"began": elapsed, "polls": count_polls(sessions), "cpu_s": cpu_seconds(services)}
                    if len(published) == args.stories:  # the last one gets six intervals, at least a minute
                        deadline = elapsed + max(60, 6 * args.interval)
                elif len(published) == args.stories and len(arrivals(receiver)) >= args.stories:
                    break
                time.sleep(0.05)
            # how much of its schedule the service kept, and of a core it used, while statements came
            seconds = time.monotonic() - began - window["began"]
            kept = (count_polls(sessions) - window["polls"]) / (LOADS[load] * 5 * seconds / args.interval)
            busy = (cpu_seconds(services) - window["cpu_s"]) / seconds
        finally:
            distributed.stop(services)
        received = arrivals(receiver)
        stages = stored_times(sessions, published)
        tasks = task_counts(sessions, time.monotonic() - began) if args.mode == "distributed" else {}
        engine.dispose()
        if schema is not None and prefix is not None and not args.keep:
            distributed.drop_schema(args.database_url, schema)
            distributed.delete_queues(prefix)
    return figures(load, published, received, stages, args) | {
        "poll_ratio_while_measuring": round(kept, 3), "service_cores_while_measuring": round(busy, 3),
        **tasks, "folder": str(folder)}


def count_polls(sessions: Any) -> int:
    """Polls recorded so far."""
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(SourcePoll)) or 0


def task_counts(sessions: Any, seconds: float) -> dict[str, Any]:
    """Distributed mode: the tasks sent over the whole run, by actor, and the pipeline passes begun
    (a pass's first step), in all and per second over `seconds`."""
    with sessions() as session:
        by_actor = dict(session.execute(select(DistTask.actor, func.count()).group_by(DistTask.actor)).all())
        passes = session.scalar(select(func.count()).select_from(DistTask).where(
            DistTask.key.like(f"step:%:{plan.STEP_NAMES[0]}"))) or 0
    return {"run_s": round(seconds, 1), "tasks_by_actor": by_actor, "passes": passes,
            "tasks_per_s": round(sum(by_actor.values()) / seconds, 2), "passes_per_s": round(passes / seconds, 3)}


def cpu_seconds(services: list[subprocess.Popen[bytes]]) -> float:
    """CPU time the service's processes and their children have used so far."""
    return distributed.tree_cpu_seconds([service.pid for service in services])


def arrivals(receiver: WebhookReceiver) -> dict[int, float]:
    """Published item id → when its first alert arrived (receiver's clock)."""
    found: dict[int, float] = {}
    for request in receiver.received():
        payload = request.json or {}
        for url in [payload.get("first_url"), *(payload.get("urls") or [])]:
            match = _STATUS.search(str(url or ""))
            if match and int(match.group(1)) >= FIRST_ID:
                found.setdefault(int(match.group(1)), request.at)
    return found


def stored_times(sessions: Any, published: dict[int, float]) -> dict[int, dict[str, float]]:
    """Published item id → when the database stored its post and queued its alert (epoch seconds)."""
    answer: dict[int, dict[str, float]] = {}
    with sessions() as session:
        posts = {int(m.group(1)): (pid, seen) for pid, url, seen in session.execute(
            select(Post.id, Post.url, Post.first_seen_at).where(Post.url.like("%/weibo/status/9%")))
            if (m := _STATUS.search(url)) and int(m.group(1)) in published}
        queued: dict[int, Any] = {}
        for created, payload in session.execute(select(Alert.created_at, Alert.payload).order_by(Alert.id)):
            for url in [payload.get("first_url"), *(payload.get("urls") or [])]:
                match = _STATUS.search(str(url or ""))
                if match:
                    queued.setdefault(int(match.group(1)), created)
    for ident, (_, seen) in posts.items():
        answer[ident] = {"stored": seen.timestamp()}
        if ident in queued:
            answer[ident]["queued"] = queued[ident].timestamp()
    return answer


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (None for no values)."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(share * len(ordered)) - 1)], 2)


def figures(load: str, published: dict[int, float], received: dict[int, float],
            stages: dict[int, dict[str, float]], args: argparse.Namespace) -> dict[str, Any]:
    """p50/p95/max of the whole latency and of its parts, against the target of one interval + 5 s."""
    total = [received[i] - published[i] for i in published if i in received]
    parts: dict[str, list[float]] = {"appear→stored": [], "stored→queued": [], "queued→arrived": []}
    for ident, moments in stages.items():
        parts["appear→stored"].append(moments["stored"] - published[ident])
        if "queued" in moments:
            parts["stored→queued"].append(moments["queued"] - moments["stored"])
            if ident in received:
                parts["queued→arrived"].append(received[ident] - moments["queued"])
    target = args.interval + 5
    return {
        "load": load, "mode": args.mode, "sources": LOADS[load] * 5,
        "worker_processes": args.processes if args.mode == "distributed" else None, "interval_s": args.interval,
        "pipeline_interval_s": args.pipeline_interval or args.interval,
        "published": len(published), "alerts_paired": len(total), "missing": sorted(set(published) - set(received)),
        "p50_s": percentile(total, 0.50), "p95_s": percentile(total, 0.95), "max_s": percentile(total, 1.0),
        "target_s": target, "p95_within_target": bool(total) and (percentile(total, 0.95) or 0) <= target,
        "parts_p50_p95_max_s": {name: [percentile(v, 0.5), percentile(v, 0.95), percentile(v, 1.0)]
                                for name, v in parts.items()},
        "latencies_s": [round(v, 2) for v in total],
        "load_average": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("embedded", "distributed", "both"), default="both",
                        help="both: embedded first (the baseline), then distributed, for each load")
    parser.add_argument("--load", choices=("idle", "soak", "both"), default="both")
    parser.add_argument("--stories", type=int, default=20, help="statements published per load")
    parser.add_argument("--interval", type=int, default=10, help="seconds between two polls of a source")
    parser.add_argument("--pipeline-interval", type=int, help="service.pipeline_interval in seconds (default: --interval)")
    parser.add_argument("--warmup", type=float, help="seconds before the first statement (default: 30 idle, 120 soak)")
    parser.add_argument("--step-seconds", type=float, default=60.0, help="soak load: seconds between scenario steps")
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="distributed mode: PostgreSQL on which a fresh schema is made (and dropped)")
    parser.add_argument("--processes", type=int, default=2, help="distributed mode: worker processes")
    parser.add_argument("--threads", type=int, default=8, help="distributed mode: threads per worker process")
    parser.add_argument("--keep", action="store_true", help="distributed mode: keep the schema and queues")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    print(json.dumps({"load_average_before": os.getloadavg()}), flush=True)
    results = []
    for load in ("idle", "soak") if args.load == "both" else (args.load,):
        for mode in ("embedded", "distributed") if args.mode == "both" else (args.mode,):
            run_args = argparse.Namespace(**vars(args))
            run_args.mode = mode
            run_args.warmup = args.warmup if args.warmup is not None else (30.0 if load == "idle" else 120.0)
            results.append(run_load(load, run_args))
            print(json.dumps(results[-1], ensure_ascii=False), flush=True)
            if args.out:  # what is measured so far, should a later part fail
                args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if args.out:
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    sys.exit(0 if all(r["p95_within_target"] and not r["missing"] for r in results) else 1)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
