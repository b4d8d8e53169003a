"""The plan of distributed mode: keys that name their slot, every step on its stage's queue, the
chain of a pass and its fan-out to the channels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from yuqing.service import plan
from yuqing.service.pipeline import STEPS

SLOT = datetime(2026, 12, 4, 8, 0, 10, tzinfo=UTC)
EVERY = timedelta(seconds=60)


def test_a_poll_is_keyed_by_source_and_slot_and_worth_doing_until_the_next() -> None:
    task = plan.poll_task("news", SLOT, timedelta(seconds=10))
    assert task.key == f"poll:news:{int(SLOT.timestamp())}" and task.queue == "fetch"
    assert task.args == {"source": "news", "slot": int(SLOT.timestamp())}
    assert task.deadline_at == SLOT + timedelta(seconds=10)
    assert plan.poll_task("news", SLOT, timedelta(seconds=10)) == task  # the same slot: the same key


def test_a_pass_is_the_pipelines_steps_in_order_with_delivery_fanned_out() -> None:
    keys, index = [], 0
    follow = [plan.step_task(SLOT, 0, EVERY)]
    while follow:
        task = next(t for t in follow if t.actor == "step")
        keys.append(task.key.rsplit(":", 1)[1])
        index = task.args["step"]
        follow = plan.after_step(SLOT, index, EVERY, ["a", "b"])
        if STEPS[index][0] == plan.DELIVER_STEP:
            assert sorted(t.key for t in follow if t.actor == "deliver") == [
                f"deliver:{int(SLOT.timestamp())}:a:pass", f"deliver:{int(SLOT.timestamp())}:b:pass"]
        follow = [t for t in follow if t.actor == "step"]
    assert keys == [name for name, _ in STEPS]
    assert plan.step_task(SLOT, 1, EVERY).queue == "stories"


def test_every_clock_of_a_day_starts_its_table_at_midnight_utc() -> None:
    shanghai_morning = datetime(2026, 12, 4, 1, 30, tzinfo=UTC)
    assert plan.day_start(shanghai_morning) == datetime(2026, 12, 4, tzinfo=UTC)


def test_the_digest_of_one_cron_minute_is_one_task_whichever_clock_sends_it() -> None:
    fired = datetime(2026, 12, 4, 0, 0, 0, 300_000, tzinfo=UTC)
    assert plan.digest_task(fired).key == plan.digest_task(fired + timedelta(seconds=2)).key
    assert plan.retention_task(fired).key == plan.retention_task(fired + timedelta(hours=3)).key


def test_a_poll_wakes_the_pass_of_its_gap_slot_or_else_of_the_next() -> None:
    now = datetime(2026, 12, 4, 8, 0, 11, 700_000, tzinfo=UTC)
    current, following = plan.wake_slots(now)
    assert (current, following) == (datetime(2026, 12, 4, 8, 0, 10, tzinfo=UTC), datetime(2026, 12, 4, 8, 0, 12, tzinfo=UTC))
    assert plan.wake_slots(following) == (following, following + plan.WAKE_GAP)  # a slot's start is its own
    # every moment of a slot wakes the same two passes: one woken pass per slot at most
    assert {plan.wake_slots(current + timedelta(seconds=s / 10)) for s in range(20)} == {(current, following)}
    # a woken pass is the pass of a slot: on the pipeline's grid it is the clock's pass of that slot, done once
    assert plan.step_task(current, 0, EVERY).key == f"step:{int(current.timestamp())}:{plan.STEP_NAMES[0]}"
