"""Quality metrics: compare a predicted clustering with gold labels.

Singletons count as their own clusters. B-cubed is computed here (scikit-learn has no
B-cubed); the adjusted Rand index and NMI come from scikit-learn.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from typing import Any

from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score


def _check(pred: Sequence[Hashable], gold: Sequence[Hashable]) -> None:
    if len(pred) != len(gold):
        raise ValueError(f"pred and gold must have the same length, got {len(pred)} and {len(gold)}")


def bcubed(pred: Sequence[Hashable], gold: Sequence[Hashable]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of a clustering.

    Args:
        pred: Predicted cluster label per item, shape (n,).
        gold: Gold cluster label per item, shape (n,).

    Returns:
        ``(precision, recall, f1)``; ``(1.0, 1.0, 1.0)`` for no items.
    """
    _check(pred, gold)
    n = len(pred)
    if n == 0:
        return 1.0, 1.0, 1.0
    both = Counter(zip(pred, gold))
    pred_size = Counter(pred)
    gold_size = Counter(gold)
    # Every item of cell (p, g) sees |cell| correct items among its |p| and |g| peers.
    precision = sum(c * c / pred_size[p] for (p, _), c in both.items()) / n
    recall = sum(c * c / gold_size[g] for (_, g), c in both.items()) / n
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def pairwise(pred: Sequence[Hashable], gold: Sequence[Hashable]) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1: over the pairs of items put together.

    A metric with no pairs on a side (all singletons) counts as 1.0 on that side.
    """
    _check(pred, gold)
    both = Counter(zip(pred, gold))

    def pairs(counts: Counter[Any]) -> int:
        return sum(c * (c - 1) // 2 for c in counts.values())

    true_pos = pairs(both)
    pred_pairs = pairs(Counter(pred))
    gold_pairs = pairs(Counter(gold))
    precision = true_pos / pred_pairs if pred_pairs else 1.0
    recall = true_pos / gold_pairs if gold_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def adjusted_rand(pred: Sequence[Hashable], gold: Sequence[Hashable]) -> float:
    """Adjusted Rand index (scikit-learn)."""
    _check(pred, gold)
    return float(adjusted_rand_score(_codes(gold), _codes(pred)))


def nmi(pred: Sequence[Hashable], gold: Sequence[Hashable]) -> float:
    """Normalised mutual information (scikit-learn, arithmetic mean)."""
    _check(pred, gold)
    return float(normalized_mutual_info_score(_codes(gold), _codes(pred)))


def _codes(labels: Sequence[Hashable]) -> list[int]:
    # scikit-learn wants comparable labels; map any hashable to ints in first-seen order.
    index: dict[Hashable, int] = {}
    return [index.setdefault(label, len(index)) for label in labels]
