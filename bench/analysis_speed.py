"""Analysis speed on one core: tokenise + schemes + sentiment + category, against SnowNLP.

Rates are posts per CPU second of the pinned core (a busy host slows the wall clock, not
the CPU time); the CLI figure also gives the wall-clock rate. Measured in one run: the Analyzer in-process (short posts and 4× longer ones, with a
per-component breakdown), `yuqing analyze - --json` as a subprocess (process start included),
and SnowNLP's default sentiment scoring the same short texts. Prints posts/s and the ratios.

    .venv/bin/python bench/analysis_speed.py [--model default|snownlp] [--posts 4000]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from yuqing.analysis.analyzer import Analyzer, join_text  # noqa: E402
from yuqing.analysis.schemes import match_schemes  # noqa: E402
from yuqing.analysis.sentiment import SnowNLPBaseline  # noqa: E402
from yuqing.analysis.text import fold_text, normalize  # noqa: E402
from yuqing.analysis.tokens import top_keywords  # noqa: E402
from yuqing.config.loading import load_settings  # noqa: E402

TEXT_FILES = (ROOT / "bench" / "sentiment" / "eval.tsv", ROOT / "bench" / "analysis_posts.txt")
CONFIG = """
[analysis]
model = "{model}"

[[schemes]]
name = "交通"
query = '(交通局 OR 交通运输局 OR 出租车 OR 公交 OR 地铁 OR "交通 局长") NOT 招聘'
[[schemes]]
name = "卫健"
query = "卫健委 OR 人民医院 OR 卫生院 OR /医院|诊所/ (投诉 OR 态度 OR 红包)"
[[schemes]]
name = "城管"
query = "城管 OR 占道经营 OR (暴力 执法)"
[[schemes]]
name = "安全"
query = '事故 OR 火灾 OR 坍塌 OR 爆炸 OR /致\\d+死/ OR "安全 生产"'
[[schemes]]
name = "教育"
query = "教育局 OR 学校 OR 小学 OR 中学 OR 培训机构 NOT 招生简章"
"""


def pin_one_core() -> str:
    """Run this process and its children on one CPU."""
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"cpu {cpu}"
    return "not pinned (no sched_setaffinity)"


def read_texts(path: Path | None) -> tuple[list[str], Path]:
    """One text per line (the last tab-separated column), from the first file that exists."""
    for candidate in [path] if path else TEXT_FILES:
        if candidate and candidate.exists():
            lines = candidate.read_text(encoding="utf-8").splitlines()
            texts = [line.split("\t")[-1].strip() for line in lines]
            return [t for t in texts if t and "\n" not in t], candidate
    raise SystemExit(f"no text file found among {[str(p) for p in TEXT_FILES]}")


def cycle(texts: Sequence[str], n: int) -> list[str]:
    return [texts[i % len(texts)] for i in range(n)]


def rate(n: int, run: Callable[[], object]) -> tuple[float, float]:
    """Posts per CPU second and CPU seconds of one run (CPU time: other jobs on a busy host don't count)."""
    start = time.process_time()
    run()
    seconds = time.process_time() - start
    return n / seconds, seconds


def in_process(analyzer: Analyzer, posts: list[tuple[str, str]]) -> float:
    def run() -> None:
        for i in range(0, len(posts), 500):
            analyzer.analyze_many(posts[i : i + 500])

    return rate(len(posts), run)[0]


def breakdown(analyzer: Analyzer, texts: list[str]) -> dict[str, float]:
    """Microseconds per post for each part of the analysis."""
    raw = [join_text(t, "") for t in texts]
    norm = [normalize(t) for t in raw]
    folded = [fold_text(t) for t in raw]
    parts: dict[str, Callable[[], object]] = {
        "normalise": lambda: [normalize(t) for t in raw],
        "fold + schemes": lambda: [match_schemes(analyzer.schemes, fold_text(t)) for t in raw],
        "sentiment": lambda: analyzer.scorer.score_many(norm, normalized=True),
        "category": lambda: [analyzer.categorizer.categorize(f, True) for f in folded],
        "tokenise + keywords": lambda: [top_keywords(t, 5) for t in norm],
    }
    return {name: rate(len(texts), run)[1] / len(texts) * 1e6 for name, run in parts.items()}


def through_cli(config: Path, texts: list[str]) -> tuple[float, float]:
    """Posts per CPU second and per wall second of `yuqing analyze - --json`, process start included."""
    data = ("\n".join(texts) + "\n").encode("utf-8")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "yuqing", "--config", str(config), "analyze", "-", "--json"],
                          input=data, capture_output=True, check=True, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = done.stdout.decode("utf-8").splitlines()
    if len(lines) != len(texts):
        raise SystemExit(f"expected {len(texts)} JSON lines, got {len(lines)}")
    return len(texts) / cpu, len(texts) / wall


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=("default", "snownlp"), default="default")
    parser.add_argument("--posts", type=int, default=4000, help="posts analysed per measurement")
    parser.add_argument("--baseline", type=int, default=300, help="texts SnowNLP scores")
    parser.add_argument("--texts", type=Path, help="one text per line (last TSV column)")
    args = parser.parse_args(argv)

    pinned = pin_one_core()
    texts, source = read_texts(args.texts)
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "yuqing.toml"
        config.write_text(CONFIG.format(model=args.model), encoding="utf-8")
        start = time.process_time()
        analyzer = Analyzer(load_settings(str(config))[0])
        analyzer.analyze("预热")  # jieba dictionary and IDF table load on first use
        startup = time.process_time() - start
        short = [(t, "") for t in cycle(texts, args.posts)]
        long_texts = cycle(texts, args.posts * 4)
        long = [(long_texts[i], "".join(long_texts[i + 1 : i + 4])) for i in range(0, len(long_texts), 4)]
        fast_short = in_process(analyzer, short)
        fast_long = in_process(analyzer, long)
        parts = breakdown(analyzer, cycle(texts, min(args.posts, 2000)))
        cli, cli_wall = through_cli(config, [t for t, _ in short])
        baseline_texts = cycle(texts, args.baseline)
        snow = SnowNLPBaseline()
        snow.score("预热")
        snownlp = rate(len(baseline_texts), lambda: snow.score_many(baseline_texts))[0]

    mean = sum(len(t) for t, _ in short) / len(short)
    print(f"texts: {source.relative_to(ROOT) if source.is_relative_to(ROOT) else source}, "
          f"{len(texts)} distinct, mean {mean:.0f} chars; {pinned}; model {analyzer.scorer.version}")
    print(f"start-up CPU (imports excluded, first post included): {startup:.2f} s")
    print(f"in-process, short posts ({mean:.0f} chars): {fast_short:8.0f} posts/s")
    print(f"in-process, long posts (~{4 * mean:.0f} chars): {fast_long:8.0f} posts/s")
    print(f"yuqing analyze - --json, {len(short)} lines:  {cli:8.0f} posts/s (process start included; "
          f"{cli_wall:.0f} posts/s by the wall clock)")
    print(f"SnowNLP default sentiment only:       {snownlp:8.1f} posts/s")
    print(f"ratio in-process / SnowNLP: {fast_short / snownlp:.1f}x; CLI / SnowNLP: {cli / snownlp:.1f}x")
    print("per post: " + ", ".join(f"{name} {us:.0f} µs" for name, us in parts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
