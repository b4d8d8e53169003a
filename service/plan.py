"""Distributed mode's plan of work: which task follows which, on which queue, under which key.

The clock turns the embedded job table (`service.scheduler.job_table`) into tasks: a poll per
source and slot, a pipeline pass per pipeline slot, the digest and retention. A pass is a chain
of the embedded pipeline's STEPS (`service.pipeline`), each a task of its own on its stage's
queue, each sending the next when it is done; `alerts.deliver` fans out into one task per
channel. Keys name the slot, so a task sent twice (by a restarted clock, by the sweeper) is
done once.

A poll that stored new posts wakes a pass (`wake_slots`), as `yuqing run` brings its next pass
forward: a post waits for no `pipeline_interval` to be analysed and alerted on. Woken passes are
keyed by WAKE_GAP slots, so however many polls store posts, at most one woken pass starts per slot.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from yuqing.service.pipeline import STEPS, WAKE_GAP
from yuqing.service.task_store import TaskSpec

# the queue of each step of the pipeline (docs/deployment.md lists what each queue runs)
STEP_QUEUES: dict[str, str] = {
    "analysis.analyze_posts": "analysis",
    "analysis.assign_stories": "stories",
    "analysis.update_stories": "stories",
    "analysis.detect_bursts": "stories",
    "alerts.raise_alerts": "alerts",
    "alerts.check_incidents": "alerts",
    "alerts.raise_source_alerts": "alerts",
    "alerts.deliver": "delivery",
    "service.capture_evidence": "evidence",
    "service.watch_deletions": "evidence",
    "service.render_screenshots": "evidence",
}
DELIVER_STEP = "alerts.deliver"
STEP_NAMES = [name for name, _ in STEPS]
assert set(STEP_NAMES) == set(STEP_QUEUES), "every pipeline step needs its queue"


def epoch(moment: datetime) -> int:
    """Whole seconds since 1970 (the slot numbers in keys)."""
    return int(moment.timestamp())


def at(seconds: int) -> datetime:
    """The moment of a slot number."""
    return datetime.fromtimestamp(seconds, UTC)


def day_start(now: datetime) -> datetime:
    """Midnight UTC of `now`'s day: every clock builds its job table from it, so the slots of
    intervals that divide a day are the same in every clock's life (a standby sends the keys
    the dead clock sent, and nothing is done twice)."""
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def poll_task(source: str, slot: datetime, interval: timedelta) -> TaskSpec:
    """Poll `source` in the slot starting at `slot`; worth doing until the next slot."""
    return TaskSpec(f"poll:{source}:{epoch(slot)}", "fetch", "poll",
                    {"source": source, "slot": epoch(slot)}, slot + interval)


def step_task(slot: datetime, index: int, interval: timedelta) -> TaskSpec:
    """Step `index` of the pipeline pass of `slot`; worth doing for three pipeline intervals."""
    name = STEP_NAMES[index]
    return TaskSpec(f"step:{epoch(slot)}:{name}", STEP_QUEUES[name], "step",
                    {"slot": epoch(slot), "step": index}, slot + 3 * interval)


def wake_slots(now: datetime, gap: timedelta = WAKE_GAP) -> tuple[datetime, datetime]:
    """The pass slots a poll that stored new posts at `now` may wake: the `gap` slot `now` falls in
    (its pass runs at once, unless it was sent already — it may then have read the posts before
    this poll stored them), and the next one (its pass runs when that slot begins)."""
    step = int(gap.total_seconds())
    current = (epoch(now) // step) * step
    return at(current), at(current + step)


def deliver_task(slot: datetime, channel: str, why: str, interval: timedelta) -> TaskSpec:
    """A delivery round on one channel: `why` is "pass" (after the pass raised alerts) or "tick"
    (every pipeline slot, for retries that came due)."""
    return TaskSpec(f"deliver:{epoch(slot)}:{channel}:{why}", "delivery", "deliver",
                    {"channel": channel, "slot": epoch(slot)}, slot + 3 * interval)


def after_step(slot: datetime, index: int, interval: timedelta, channels: list[str]) -> list[TaskSpec]:
    """What follows step `index` of a pass: the next step; after the step before delivery, a
    delivery round on each of `channels` (those with unsent alerts) beside the next step."""
    follow: list[TaskSpec] = []
    if index + 1 < len(STEP_NAMES):
        follow.append(step_task(slot, index + 1, interval))
    if STEP_NAMES[index] == DELIVER_STEP:
        follow += [deliver_task(slot, channel, "pass", interval) for channel in channels]
    return follow


def digest_task(fire: datetime, catch_up: bool = False) -> TaskSpec:
    """The digest run due at `fire` (or the catch-up a clock sends when it starts); keyed by the minute,
    so two clocks firing the same cron time send one task."""
    minute = fire.replace(second=0, microsecond=0)
    key = f"digest:{fire:%Y-%m-%d}:catch-up" if catch_up else f"digest:{epoch(minute)}"
    return TaskSpec(key, "digest", "digest", {}, fire + timedelta(hours=1))


def retention_task(fire: datetime) -> TaskSpec:
    """The retention run of `fire`'s UTC day."""
    return TaskSpec(f"retention:{fire:%Y-%m-%d}", "digest", "retention", {}, fire + timedelta(hours=6))


def noop_task(name: str, now: datetime) -> TaskSpec:
    """A task that does nothing (bench/distributed.py measures the machinery's cost per task)."""
    return TaskSpec(f"noop:{name}", "digest", "noop", {}, now + timedelta(hours=1))
