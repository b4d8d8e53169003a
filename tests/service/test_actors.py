"""The actors through the real clock and workers: the simulated world's alerts arrive exactly once,
a task sent twice is done once, and a worker killed in the middle of a fetch loses nothing."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from tests.service.distributed import Cluster, wait_for
from yuqing.collector.models import Post, SourcePoll
from yuqing.service.models import DistTask, JobRun
from yuqing.simulator import scenario
from yuqing.simulator.receiver import WebhookReceiver
from yuqing.simulator.sites import SimulatedSites

pytestmark = [pytest.mark.db, pytest.mark.slow]
KINDS = {"news": ("rss", ""), "press": ("rss", ""), "bbs": ("discuz", ""), "bbs2": ("discuz", ""),
         "weibo": ("html", '[sources.selectors]\nitem = "div.post"\ntitle = "a.title"\nlink = "a.title@href"\n'
                           'time = "span.time"\nbody = "div.text"\nviews = "span.views"\n'
                           'replies = "span.replies"\nreposts = "span.reposts"\n')}


def world_config(sites: SimulatedSites, receiver: WebhookReceiver, *, interval: int = 2, extra: str = "") -> str:
    """The scenario's sources (one copy), scheme and a webhook channel; polls and passes every `interval` s."""
    parts = [f'[analysis]\nuser_words = {json.dumps(scenario.USER_WORDS, ensure_ascii=False)}\n',
             f'[[schemes]]\nname = "{scenario.SCHEME_NAME}"\n'
             f'query = {json.dumps(scenario.SCHEME_QUERY, ensure_ascii=False)}\n',
             f'[[channels]]\nname = "hook"\nkind = "webhook"\nurl = "{receiver.url}"\nmin_tier = "significant"\n',
             '[deadlines]\nreport = "4h"\nemergency_facts = "4h"\nrespond = "12h"\n',
             '[fetch]\nper_host_delay = "0s"\n[evidence]\nenabled = false\n',
             f'[service]\npipeline_interval = "{interval}s"\njitter = "0s"\n', extra]
    for board, (kind, selectors) in KINDS.items():
        parts.append(f'[[sources]]\nname = "{board}"\nkind = "{kind}"\nurl = "{sites.url(board)}"\n'
                     f'site = "{board}.example"\ninterval = "{interval}s"\n{selectors}')
    return "\n".join(parts)


def received_alerts(receiver: WebhookReceiver) -> Counter[tuple[str, str | None, str]]:
    """(event, story label, tier) of every alert the receiver got, counted."""
    return Counter((r.json["event"], scenario.story_of_alert(r.json), r.json["tier"]) for r in receiver.received())


def expected_until(step: int) -> Counter[tuple[str, str | None, str]]:
    """The scenario's alerts up to `step`, once each."""
    return Counter((a.event, a.story, a.tier) for a in scenario.EXPECTED_ALERTS if a.step <= step)


def test_the_world_alerts_exactly_once_through_clock_and_workers(cluster: Cluster) -> None:
    with SimulatedSites() as sites, WebhookReceiver() as receiver:
        cluster.write_config(world_config(sites, receiver))
        cluster.clock()
        cluster.worker("--processes", "2", "--threads", "4")
        for step in range(1, scenario.STEPS):
            sites.advance()
            want = expected_until(step)
            wait_for(lambda want=want: received_alerts(receiver) == want or +(received_alerts(receiver) - want),
                     60, f"the alerts of step {step}")
            assert received_alerts(receiver) == want, (step, received_alerts(receiver))
        time.sleep(5)  # two more passes: nothing arrives twice
        assert received_alerts(receiver) == expected_until(scenario.STEPS - 1)
    with cluster.sessions() as session:
        polls = session.scalar(select(func.count()).select_from(SourcePoll))
        tasks = session.scalar(select(func.count()).select_from(DistTask).where(DistTask.key.like("poll:%")))
        runs = set(session.scalars(select(JobRun.job_id)))
    assert polls <= tasks  # one stored poll per (source, slot) at most
    assert {"collector.collect:news", "pipeline.process", "alerts.digest"} <= runs  # the clock's catch-up digest too


def test_a_worker_killed_mid_fetch_loses_no_poll(cluster: Cluster) -> None:
    with SimulatedSites() as sites, WebhookReceiver() as receiver:
        sites.advance()
        cluster.write_config(world_config(sites, receiver, interval=4))
        sites.stall(sites.url("news").removeprefix(sites.base_url), 3.0)  # every fetch of news takes 3 s
        cluster.clock()
        first = cluster.worker("--queues", "fetch", "--processes", "1", "--threads", "2", log="first.log")
        cluster.worker("--queues", "analysis,stories,alerts,delivery,evidence,digest", log="stages.log")

        def news_in_flight() -> bool:
            with cluster.sessions() as session:
                return bool(session.scalar(select(func.count()).select_from(DistTask).where(
                    DistTask.key.like("poll:news:%"), DistTask.started_at.is_not(None),
                    DistTask.finished_at.is_(None))))

        wait_for(news_in_flight, 30, "a poll of news in flight")
        os.killpg(first.pid, signal.SIGKILL)  # the whole `yuqing worker`: parent and its process
        first.wait(10)
        cluster.worker("--queues", "fetch", "--processes", "1", "--threads", "2", log="second.log")

        def news_stored() -> int:
            with cluster.sessions() as session:
                return session.scalar(select(func.count()).select_from(Post).where(Post.url.like("%/news/%")))

        wait_for(news_stored, 40, "the news board's posts, polled by the second worker")
    with cluster.sessions() as session:
        per_slot = session.execute(select(DistTask.key, DistTask.attempts, DistTask.ok)
                                   .where(DistTask.key.like("poll:news:%"), DistTask.attempts > 1)).all()
    assert per_slot, "the killed poll was taken again by the second worker"


def test_a_poll_that_stores_new_posts_wakes_a_pass(cluster: Cluster) -> None:
    """With passes an hour apart, a significant post's alert arrives seconds after its poll: the poll
    that stored it sent a pass (as `yuqing run` brings its next pass forward)."""
    with SimulatedSites() as sites, WebhookReceiver() as receiver:
        body = world_config(sites, receiver).replace('pipeline_interval = "2s"', 'pipeline_interval = "1h"')
        cluster.write_config(body)
        cluster.clock()
        cluster.worker("--processes", "1", "--threads", "4")

        def weibo_polled() -> int:
            with cluster.sessions() as session:
                return session.scalar(select(func.count()).select_from(DistTask).where(
                    DistTask.key.like("poll:weibo:%"), DistTask.finished_at.is_not(None))) or 0

        wait_for(weibo_polled, 60, "a first poll of the weibo board")
        title = "江城市交通运输局执法人员在高铁站乱罚款"
        text = "在高铁站出口，江城市交通运输局的执法人员见到网约车就罚款，不听解释，也不给开罚单，罚完就走，这种乱罚款的做法太恶劣了。"
        sites.publish(scenario.Item(90_000, "weibo", title, text, "网友", 0, {0: (3000, 40, 130)}))

        def alerted() -> bool:
            return any("/weibo/status/90000" in str([r.json.get("first_url"), r.json.get("urls")])
                       for r in receiver.received())

        wait_for(alerted, 45, "the alert of the published post, long before the hourly pass")
    with cluster.sessions() as session:
        summaries = list(session.scalars(select(DistTask.summary).where(DistTask.key.like("poll:weibo:%"))))
    # the poll that stored it sent a pass: of its own slot ("woken"), or the next slot's, unless another
    # poll of the same 2-s slot had sent that one already ("due")
    assert any(re.search(r"pass \d+ (woken|due)", summary or "") for summary in summaries), summaries
