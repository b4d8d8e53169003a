"""Soak: `yuqing run` against the simulator with many sources for minutes; memory, failures,
alerts, throughput and the SIGTERM stop, measured.

    python bench/soak.py --minutes 10            # 200 sources (40 copies × 5 sites) every 10 s

Ratios against baselines of the same run: resident memory at the end / after warm-up, polls
done / polls scheduled, alerts received / expected (each exactly once); the service's CPU time
after warm-up per second of wall time (how much of a core it needed).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from yuqing.collector.models import Source, SourcePoll
from yuqing.config.database import create_db_engine, session_factory
from yuqing.config.loading import load_settings
from yuqing.service.migrate import upgrade
from yuqing.service.models import JobRun
from yuqing.simulator import scenario
from yuqing.simulator.receiver import WebhookReceiver
from yuqing.simulator.sites import SimulatedSites

ROOT = Path(__file__).resolve().parent.parent
KINDS = {"news": ("rss", ""), "press": ("rss", ""), "bbs": ("discuz", ""), "bbs2": ("discuz", ""),
         "weibo": ("html", '[sources.selectors]\nitem = "div.post"\ntitle = "a.title"\nlink = "a.title@href"\n'
                           'time = "span.time"\nbody = "div.text"\nviews = "span.views"\n'
                           'replies = "span.replies"\nreposts = "span.reposts"\n')}


def write_config(folder: Path, sites: SimulatedSites, receiver: WebhookReceiver, copies: int, interval: int) -> Path:
    """200 sources (copies × 5 boards), each its own site, polled every `interval` seconds."""
    parts = ['[database]\nurl = "sqlite:///soak.db"\n',
             '[fetch]\ntimeout = "5s"\nretries = 0\nper_host_delay = "0s"\nper_host_concurrency = 16\n',
             f'[analysis]\nuser_words = {json.dumps(scenario.USER_WORDS, ensure_ascii=False)}\n',
             f'[[schemes]]\nname = "{scenario.SCHEME_NAME}"\nquery = {json.dumps(scenario.SCHEME_QUERY, ensure_ascii=False)}\n',
             f'[[channels]]\nname = "hook"\nkind = "webhook"\nurl = "{receiver.url}"\nmin_tier = "significant"\n',
             '[deadlines]\nreport = "4h"\nemergency_facts = "4h"\nrespond = "12h"\n',
             f'[service]\nlog_file = "soak.log"\npipeline_interval = "{interval}s"\njitter = "{interval // 2}s"\n']
    for copy in range(copies):
        for board, (kind, extra) in KINDS.items():
            # thread pages for the first copy only, as measured before fetch_threads became the default
            threads = f"fetch_threads = {'true' if copy == 0 else 'false'}\n" if kind == "discuz" else ""
            parts.append(f'[[sources]]\nname = "{board}-{copy}"\nkind = "{kind}"\nurl = "{sites.url(board, copy)}"\n'
                         f'site = "{board}{copy}.example"\ninterval = "{interval}s"\n{threads}{extra}')
    path = folder / "yuqing.toml"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def rss_kib(pid: int) -> int:
    """Resident memory of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far, from /proc (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def counts(sessions) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Polls done and failed, failing sources and failed job runs so far."""
    with sessions() as session:
        polls = session.scalar(select(func.count()).select_from(SourcePoll)) or 0
        failed_polls = session.scalar(select(func.count()).select_from(SourcePoll).where(SourcePoll.outcome == "error"))
        failing = session.scalar(select(func.count()).select_from(Source).where(Source.consecutive_failures > 0))
        failed_runs = session.scalar(select(func.count()).select_from(JobRun).where(JobRun.ok.is_(False)))
    return {"polls": polls, "failed_polls": failed_polls or 0, "failing_sources": failing or 0,
            "failed_job_runs": failed_runs or 0}


def soak(minutes: float, copies: int, interval: int, step_seconds: float, folder: Path) -> dict[str, object]:
    """Run the service for `minutes`, sampling every 10 s; return the figures."""
    with SimulatedSites(copies=copies) as sites, WebhookReceiver() as receiver:
        config = write_config(folder, sites, receiver, copies, interval)
        settings, _ = load_settings(str(config))
        engine = create_db_engine(settings.database.url)
        upgrade(engine)
        sessions = session_factory(engine)
        service = subprocess.Popen([sys.executable, "-m", "yuqing", "--config", str(config), "run"], cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=open(folder / "stderr.log", "wb"))  # noqa: SIM115
        began, samples, next_step = time.monotonic(), [], step_seconds
        try:
            while (elapsed := time.monotonic() - began) < minutes * 60:
                if elapsed >= next_step and sites.step + 1 < scenario.STEPS:
                    sites.advance()
                    next_step += step_seconds
                samples.append({"t": round(elapsed), "rss_kib": rss_kib(service.pid),
                                "cpu_s": round(cpu_seconds(service.pid), 2), **counts(sessions),
                                "alerts": len(receiver.received()), "step": sites.step})
                print(json.dumps(samples[-1]), flush=True)
                time.sleep(10 - (time.monotonic() - began) % 10)
            # the last sample at the end of the run, not 10 s before it: polls are counted over the
            # whole length they are scheduled for (runs before this one counted to ~590 s of 600)
            samples.append({"t": round(time.monotonic() - began), "rss_kib": rss_kib(service.pid),
                            "cpu_s": round(cpu_seconds(service.pid), 2), **counts(sessions),
                            "alerts": len(receiver.received()), "step": sites.step})
            print(json.dumps(samples[-1]), flush=True)
            stop_began = time.monotonic()
            service.send_signal(signal.SIGTERM)
            code = service.wait(timeout=60)
            stop_seconds = time.monotonic() - stop_began
        finally:
            if service.poll() is None:
                service.kill()
        received = Counter((r.json["event"], scenario.story_of_alert(r.json), r.json["tier"])
                           for r in receiver.received())
        engine.dispose()
    return figures(samples, received, minutes, copies, interval, code, stop_seconds)


def figures(samples: list[dict[str, float]], received: Counter[tuple[str, str | None, str]], minutes: float,
            copies: int, interval: int, code: int, stop_seconds: float) -> dict[str, object]:
    """The acceptance figures, as ratios against this run's own baselines."""
    expected = Counter((a.event, a.story, a.tier) for a in scenario.EXPECTED_ALERTS)
    warm = next((s for s in samples if s["t"] >= min(120, minutes * 60 / 3)), samples[0])
    end = samples[-1]
    sources = copies * len(KINDS)
    after_warm = [s for s in samples if s["t"] >= warm["t"]]
    return {
        "sources": sources, "interval_s": interval, "minutes": minutes,
        "rss_warm_kib": warm["rss_kib"], "rss_end_kib": end["rss_kib"],
        "rss_growth_after_warmup": round(end["rss_kib"] / warm["rss_kib"] - 1, 4),
        "rss_max_after_warmup_kib": max(s["rss_kib"] for s in after_warm),
        # how busy the service was after warm-up, in cores (1.0 = one core flat out)
        "cpu_cores_after_warmup": round((end["cpu_s"] - warm["cpu_s"]) / max(1, end["t"] - warm["t"]), 3),
        "polls": end["polls"], "polls_scheduled": int(sources * minutes * 60 / interval),
        "poll_ratio": round(end["polls"] / (sources * minutes * 60 / interval), 3),
        "failed_polls": end["failed_polls"], "failing_sources_end": end["failing_sources"],
        "failed_job_runs_warm": warm["failed_job_runs"], "failed_job_runs_end": end["failed_job_runs"],
        "alerts_expected": sum(expected.values()), "alerts_received": sum(received.values()),
        "alerts_exactly_once": received == expected,
        "alerts_missing": [list(k) for k in (expected - received)],
        "alerts_unexpected": [list(k) for k in (received - expected)],
        "sigterm_exit_code": code, "sigterm_seconds": round(stop_seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--copies", type=int, default=40, help="copies of the 5 simulated sites (40 → 200 sources)")
    parser.add_argument("--interval", type=int, default=10, help="seconds between two polls of a source")
    parser.add_argument("--step-seconds", type=float, help="seconds between scenario steps (default: spread "
                        "over the first 60%% of the run, at least 30 s)")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    step = args.step_seconds or max(30.0, args.minutes * 60 * 0.6 / (scenario.STEPS - 1))
    folder = Path(tempfile.mkdtemp(prefix="yuqing-soak-"))
    result = soak(args.minutes, args.copies, args.interval, step, folder)
    result["folder"] = str(folder)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    sys.exit(0 if result["alerts_exactly_once"] and result["sigterm_exit_code"] == 0 else 1)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
