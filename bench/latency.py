"""Issue 18's latency figure: from a post appearing on a simulated site to its alert arriving at a
webhook receiver, p50 and p95, at idle and under the soak's load.

    python -m bench.latency --load idle --stories 20          # 5 sources (one copy of the sites) every 10 s
    python -m bench.latency --load soak --stories 20          # 200 sources every 10 s, as bench/soak.py
    python -m bench.latency --load both --out latency.json

`yuqing run` runs as a subprocess with the soak's configuration (bench/soak.py: sources every
`--interval`, jitter half of it, `pipeline_interval` the same, a webhook at `min_tier = significant`).
After a warm-up the script publishes `--stories` negative statements about the watched bureau on the
weibo-like list of copy 0 (bench/latency_stories.py), one every 6–14 s (random, so they fall at any
phase of the poll and pipeline schedules), each with 130 reposts: tier `significant` (reposts > 100)
at its first poll. The appearance time is the simulator's clock when it began serving the post
(`SimulatedSites.publish`); the arrival time is the receiver's clock when the POST came in; both on
this machine, paired by the post URL in the payload. Each latency is split where the database saw it:
post stored (`posts.first_seen_at`), alert queued (`alerts.created_at`). Percentiles by nearest rank.

`--mode distributed` exits 2 for now: `start_service` can start `yuqing clock` + `yuqing worker`, but the
configuration written here (the soak's: SQLite, no `[queue]`) is not yet one distributed mode runs on.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bench import soak
from bench.latency_stories import STORIES
from yuqing.alerts.models import Alert
from yuqing.collector.models import Post, SourcePoll
from yuqing.config.database import create_db_engine, session_factory
from yuqing.config.loading import load_settings
from yuqing.service.migrate import upgrade
from yuqing.simulator import scenario
from yuqing.simulator.receiver import WebhookReceiver
from yuqing.simulator.sites import SimulatedSites

ROOT = Path(__file__).resolve().parent.parent
FIRST_ID = 90_000  # published items' ids: /weibo/status/90000 …
_STATUS = re.compile(r"/weibo/status/(\d+)")
LOADS = {"idle": 1, "soak": 40}  # copies of the 5 simulated sites


def distributed_available() -> bool:
    """Whether this yuqing has the distributed mode's commands (`yuqing clock`)."""
    probe = subprocess.run([sys.executable, "-m", "yuqing", "clock", "--help"], cwd=ROOT, capture_output=True)
    return probe.returncode == 0


def start_service(mode: str, config: Path, folder: Path) -> list[subprocess.Popen[bytes]]:
    """`yuqing run` (embedded), or `yuqing clock` + `yuqing worker` (distributed)."""
    commands = [["run"]] if mode == "embedded" else [["clock"], ["worker"]]
    return [subprocess.Popen([sys.executable, "-m", "yuqing", "--config", str(config), *command], cwd=ROOT,
                             stdout=subprocess.DEVNULL,
                             stderr=open(folder / f"{command[0]}.stderr.log", "wb"))
            for command in commands]


def item(n: int) -> scenario.Item:
    """The n-th published statement: a weibo post at 130 reposts, tier `significant` at once."""
    title, body = STORIES[n % len(STORIES)]
    return scenario.Item(FIRST_ID + n, "weibo", title, body, f"网友{n}", 0, {0: (3000 + n, 40, 130)})


def run_load(load: str, args: argparse.Namespace) -> dict[str, Any]:
    """One run of the service under `load`; the latencies of every published statement."""
    folder = Path(tempfile.mkdtemp(prefix=f"yuqing-latency-{load}-"))
    rng = random.Random(18)
    with SimulatedSites(copies=LOADS[load]) as sites, WebhookReceiver() as receiver:
        config = soak.write_config(folder, sites, receiver, LOADS[load], args.interval)
        if args.pipeline_interval:  # the soak's configuration with another pass interval
            text = re.sub(r'pipeline_interval = "\d+s"', f'pipeline_interval = "{args.pipeline_interval}s"',
                          config.read_text(encoding="utf-8"))
            config.write_text(text, encoding="utf-8")
        settings, _ = load_settings(str(config))
        engine = create_db_engine(settings.database.url)
        upgrade(engine)
        sessions = session_factory(engine)
        services = start_service(args.mode, config, folder)
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
                    print(f"[{load}] published {online.id} at {elapsed:.1f} s", file=sys.stderr, flush=True)
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
            stop(services)
        received = arrivals(receiver)
        stages = stored_times(sessions, published)
        engine.dispose()
    return figures(load, published, received, stages, args) | {
        "poll_ratio_while_measuring": round(kept, 3), "service_cores_while_measuring": round(busy, 3),
        "folder": str(folder)}


def count_polls(sessions: Any) -> int:
    """Polls recorded so far."""
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(SourcePoll)) or 0


def cpu_seconds(services: list[subprocess.Popen[bytes]]) -> float:
    """CPU time the service's processes have used so far."""
    return sum(soak.cpu_seconds(service.pid) for service in services)


def stop(services: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM, then SIGKILL after a minute."""
    for service in services:
        if service.poll() is None:
            service.send_signal(signal.SIGTERM)
    for service in services:
        try:
            service.wait(timeout=60)
        except subprocess.TimeoutExpired:
            service.kill()


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
        "load": load, "mode": args.mode, "sources": LOADS[load] * 5, "interval_s": args.interval,
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
    parser.add_argument("--mode", choices=("embedded", "distributed"), default="embedded")
    parser.add_argument("--load", choices=("idle", "soak", "both"), default="both")
    parser.add_argument("--stories", type=int, default=20, help="statements published per load")
    parser.add_argument("--interval", type=int, default=10, help="seconds between two polls of a source")
    parser.add_argument("--pipeline-interval", type=int, help="service.pipeline_interval in seconds (default: --interval)")
    parser.add_argument("--warmup", type=float, help="seconds before the first statement (default: 30 idle, 120 soak)")
    parser.add_argument("--step-seconds", type=float, default=60.0, help="soak load: seconds between scenario steps")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    if args.mode == "distributed":
        # the generated configuration is the soak's (SQLite, no [queue]): distributed mode also needs a
        # PostgreSQL database and a [queue] section written here, not done yet
        found = "present" if distributed_available() else "absent"
        print(f"--mode distributed is not wired yet: `yuqing clock` is {found} in this yuqing, and the "
              "configuration this script writes has no [queue] section and no PostgreSQL database; "
              "run with --mode embedded", file=sys.stderr)
        sys.exit(2)
    results = []
    for load in ("idle", "soak") if args.load == "both" else (args.load,):
        run_args = argparse.Namespace(**vars(args))
        run_args.warmup = args.warmup if args.warmup is not None else (30.0 if load == "idle" else 120.0)
        results.append(run_load(load, run_args))
        print(json.dumps(results[-1], ensure_ascii=False), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    sys.exit(0 if all(r["p95_within_target"] and not r["missing"] for r in results) else 1)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
