"""The training recipe's choices that need no fit: the flag budget and the category rows."""

from __future__ import annotations

import numpy as np

from yuqing.analysis.train_data import Row
from yuqing.analysis.train_sentiment import (
    BUDGETS,
    NON_SUGGESTION_WEIGHT,
    category_rows,
    choose_budget,
    nested_worst_fold,
)


def folds_of(n: int) -> np.ndarray:
    return np.arange(n) % 5


def test_the_budget_is_the_largest_whose_every_nested_fold_stays_within_the_limit() -> None:
    rng = np.random.default_rng(7)
    labels = np.array([1] * 1000 + [0] * 1000)
    prob = np.concatenate([rng.beta(5, 2, 1000), rng.beta(2, 5, 1000)])
    folds = folds_of(2000)
    chosen = choose_budget(labels, prob, folds, limit=0.05)
    assert nested_worst_fold(labels, prob, folds, chosen)[0] <= 0.05
    assert all(nested_worst_fold(labels, prob, folds, b)[0] > 0.05 for b in BUDGETS if b > chosen)
    assert chosen < max(BUDGETS)  # overlapping scores: the largest budget overshoots some fold


def test_a_fold_whose_non_negatives_score_high_is_the_worst_fold() -> None:
    labels = np.array([1] * 500 + [0] * 500)
    folds = folds_of(1000)
    prob = np.concatenate([np.linspace(0.6, 1.0, 500), np.linspace(0.0, 0.55, 500)])
    flagged, f1 = nested_worst_fold(labels, prob, folds, 0.03)
    assert flagged <= 0.03 and f1 > 0.99  # separable: within the budget, nearly all found
    shifted = prob.copy()
    shifted[(labels == 0) & (folds == 0)] += 0.5  # fold 0's non-negatives all score above every negative's 0.6
    flagged, f1 = nested_worst_fold(labels, shifted, folds, 0.03)
    assert flagged > 0.5 and f1 < 0.9


def test_a_fold_that_flags_more_out_of_sample_lowers_the_budget() -> None:
    labels = np.array([1] * 500 + [0] * 500)
    folds = folds_of(1000)
    prob = np.concatenate([np.linspace(0.6, 1.0, 500), np.linspace(0.0, 0.55, 500)])
    lenient = choose_budget(labels, prob, folds, limit=0.05)
    # fold 0's non-negative rows score high: a threshold chosen on the other folds flags many of them
    shifted = prob.copy()
    shifted[(labels == 0) & (folds == 0)] += 0.3
    assert choose_budget(labels, shifted, folds, limit=0.05) < lenient


def test_non_negative_proposals_join_the_category_fit_at_a_lower_weight() -> None:
    rows = [Row(1, "problem", "a", "message"), Row(0, "suggestion", "b", "message"), Row(0, None, "c", "message"),
            Row(1, None, "d", "weibo")]
    mask, weights = category_rows(rows)
    assert mask.tolist() == [True, True, False, False]
    assert weights[:2].tolist() == [1.0, NON_SUGGESTION_WEIGHT]
