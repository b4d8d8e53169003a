"""The boards of the storage month (bench/storage_month.py): forum boards whose first page lists the 50
threads with the latest activity, with their 查看/回复 counts, on a fake clock.

Churn, per board: new threads arrive as a Poisson process (a board's daily rate drawn from 10–120,
three times busier by day than by night); a thread's readers arrive at a rate that starts at its own
draw (log-normal, median 0.4 views a minute, a few hot threads over 10) and decays with its age (a
time constant of 2–12 h); one reader in 25 replies, and a reply bumps the thread to the top of the
list. Counts never go down. Seeded, so both runs of one benchmark see the same month.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from yuqing.collector.items import RawPost

LISTED = 50  # threads on a board's first page
REPLY_SHARE = 1 / 25
QUIET_AFTER = 8.0  # time constants: a thread this old gains nothing worth drawing


@dataclass
class Threads:
    """Every thread of every board as parallel arrays (numpy, so a month of draws takes seconds)."""

    board: np.ndarray  # int
    number: np.ndarray  # the board's thread id
    born: np.ndarray  # minutes since the start
    rate: np.ndarray  # views a minute at birth
    tau: np.ndarray  # minutes
    views: np.ndarray
    replies: np.ndarray
    active: np.ndarray  # minute of the last reply (or birth): the list's order


class Boards:
    """`boards` simulated boards; `step(minutes)` advances the clock, `listing(b)` is a first page."""

    def __init__(self, boards: int, start: datetime, seed: int = 18) -> None:
        self.rng = np.random.default_rng(seed)
        self.start, self.minute = start, 0.0
        self.daily = self.rng.uniform(10, 120, boards)
        self.threads = Threads(*(np.zeros(0, dtype=t) for t in (int, int, float, float, float, int, int, float)))
        self.next_number = np.zeros(boards, dtype=int)
        self._spawn(np.full(boards, LISTED))  # each board starts with a full first page

    @property
    def now(self) -> datetime:
        """The fake clock."""
        return self.start + timedelta(minutes=self.minute)

    def _spawn(self, counts: np.ndarray) -> None:
        total = int(counts.sum())
        if not total:
            return
        board = np.repeat(np.arange(len(counts)), counts)
        number = self.next_number[board] + _ranks(board)
        self.next_number += counts
        t = self.threads
        born = np.full(total, self.minute)
        fresh = (board, number, born, self.rng.lognormal(math.log(0.4), 1.3, total),
                 self.rng.uniform(120, 720, total), np.zeros(total, dtype=int), np.zeros(total, dtype=int), born)
        self.threads = Threads(*(np.concatenate([old, new]) for old, new in zip(vars(t).values(), fresh, strict=True)))

    def step(self, minutes: float) -> None:
        """Advance the clock: new threads, readers and replies of the last `minutes`."""
        self.minute += minutes
        hour = self.now.hour
        day_factor = 1.5 if 8 <= hour < 23 else 0.5  # mean 1 over the day: 15 h busy, 9 h quiet
        self._spawn(self.rng.poisson(self.daily * day_factor * minutes / 1440))
        t = self.threads
        age = self.minute - t.born
        alive = age < QUIET_AFTER * t.tau
        lam = t.rate[alive] * np.exp(-age[alive] / t.tau[alive]) * minutes * day_factor
        gained = self.rng.poisson(lam)
        replied = self.rng.binomial(gained, REPLY_SHARE)
        t.views[alive] += gained
        t.replies[alive] += replied
        bumped = np.flatnonzero(alive)[replied > 0]
        t.active[bumped] = self.minute
        self._forget()

    def _forget(self) -> None:
        """Drop threads past their life that no page lists any more (they never change again)."""
        t = self.threads
        if len(t.board) < 4 * LISTED * len(self.daily):
            return
        keep = (self.minute - t.born < QUIET_AFTER * t.tau) | self._listed_mask()
        self.threads = Threads(*(a[keep] for a in vars(t).values()))

    def _listed_mask(self) -> np.ndarray:
        mask = np.zeros(len(self.threads.board), dtype=bool)
        mask[self.listed()] = True
        return mask

    def listed(self) -> np.ndarray:
        """Indices into `threads` of every board's first page now, board by board, latest activity first."""
        t = self.threads
        order = np.lexsort((-t.active, t.board))
        return order[_ranks(t.board[order]) < LISTED]

    def listings(self, prefix: str = "http://bbs{board}.example.cn",
                 site: str = "bbs{board}.example.cn") -> list[list[RawPost]]:
        """Every board's first page now: the 50 threads with the latest activity and their counts."""
        t = self.threads
        pages: list[list[RawPost]] = [[] for _ in self.daily]
        for i in self.listed():
            board, number = int(t.board[i]), int(t.number[i])
            pages[board].append(RawPost(
                title=f"第{board}版 帖子{number}", url=f"{prefix.format(board=board)}/thread-{number}-1-1.html",
                site=site.format(board=board),
                published_at=self.start + timedelta(minutes=float(t.born[i])),
                views=int(t.views[i]), replies=int(t.replies[i])))
        return pages


def _ranks(groups: np.ndarray) -> np.ndarray:
    """0, 1, 2 … within each run of equal values of a sorted array."""
    if not len(groups):
        return groups
    starts = np.r_[0, np.flatnonzero(np.diff(groups)) + 1]
    first = np.repeat(starts, np.diff(np.r_[starts, len(groups)]))
    return np.arange(len(groups)) - first
