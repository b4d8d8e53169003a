"""Set-up per collect call: the service's batches with a fetcher made per call against one shared
for the run (`collector/fetch_loop.py`), alternated in the same run on the soak's 200 sources.

    python bench/collect_setup.py [--rounds 5] [--batch 20]

Each round polls every source once in batches of `--batch` (as `yuqing run` does), once with a
new event loop and `Fetcher` per call and once through one `FetchLoop`; wall and CPU seconds per
call, and the ratio fresh / shared, are printed as JSON. The simulator runs in this process.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from bench.soak import write_config
from yuqing.collector.fetch_loop import FetchLoop
from yuqing.collector.fetcher import FetchPolicy
from yuqing.collector.jobs import collect
from yuqing.config.database import create_db_engine, session_factory
from yuqing.config.loading import load_settings
from yuqing.service.migrate import upgrade
from yuqing.simulator.receiver import WebhookReceiver
from yuqing.simulator.sites import SimulatedSites


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="yuqing-setup-"))
    os.chdir(folder)  # the soak's configuration names its SQLite file relative to here
    with SimulatedSites(copies=40) as sites, WebhookReceiver() as receiver:
        settings, _ = load_settings(str(write_config(folder, sites, receiver, 40, 10)))
        engine = create_db_engine(settings.database.url)
        upgrade(engine)
        sessions = session_factory(engine)
        names = [source.name for source in settings.sources]
        batches = [names[i:i + args.batch] for i in range(0, len(names), args.batch)]
        collect(settings, sessions, names=names)  # first poll of everything: the bodies, not set-up
        spent = {"fresh": [0.0, 0.0], "shared": [0.0, 0.0]}
        with FetchLoop(FetchPolicy.from_settings(settings.fetch)) as shared:
            for _ in range(args.rounds):
                for side, loop in (("fresh", None), ("shared", shared)):
                    wall, cpu = time.perf_counter(), time.process_time()
                    for batch in batches:
                        collect(settings, sessions, names=batch, fetch_loop=loop)
                    spent[side][0] += time.perf_counter() - wall
                    spent[side][1] += time.process_time() - cpu
        engine.dispose()
    calls = args.rounds * len(batches)
    result = {"sources": len(names), "batch": args.batch, "calls_per_side": calls,
              **{f"{side}_ms_per_call": round(wall / calls * 1000, 1) for side, (wall, _) in spent.items()},
              **{f"{side}_cpu_ms_per_call": round(cpu / calls * 1000, 1) for side, (_, cpu) in spent.items()},
              "fresh_over_shared_wall": round(spent["fresh"][0] / spent["shared"][0], 2)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
