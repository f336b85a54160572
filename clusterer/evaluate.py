"""Evaluation: compare a predicted clustering (a clusterer output) with gold labels.

Singletons count as their own clusters. B-cubed and pairwise scores are computed here
(scikit-learn has neither); the adjusted Rand index and NMI come from scikit-learn.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from clusterer.errors import InputError
from clusterer.records import Article


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
    # Imported when used: `clusterer dedup` starts without scikit-learn.
    from sklearn.metrics import adjusted_rand_score

    _check(pred, gold)
    return float(adjusted_rand_score(_codes(gold), _codes(pred)))


def nmi(pred: Sequence[Hashable], gold: Sequence[Hashable]) -> float:
    """Normalised mutual information (scikit-learn, arithmetic mean)."""
    from sklearn.metrics import normalized_mutual_info_score

    _check(pred, gold)
    return float(normalized_mutual_info_score(_codes(gold), _codes(pred)))


def _codes(labels: Sequence[Hashable]) -> list[int]:
    # scikit-learn wants comparable labels; map any hashable to ints in first-seen order.
    index: dict[Hashable, int] = {}
    return [index.setdefault(label, len(index)) for label in labels]


# ---------------------------------------------------------------- files
@dataclass(frozen=True)
class Scores:
    """Every metric of one prediction against gold labels (singletons count)."""

    articles: int
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    adjusted_rand: float
    nmi: float
    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float

    def to_dict(self) -> dict[str, float | int]:
        """JSON form, metrics rounded to 4 decimals."""
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def score(pred: Mapping[str, Hashable], gold: Mapping[str, Hashable]) -> Scores:
    """Score predicted cluster labels against gold labels, over the same ids."""
    ids = sorted(gold)
    p = [pred[i] for i in ids]
    g = [gold[i] for i in ids]
    bp, br, bf = bcubed(p, g)
    pp, pr, pf = pairwise(p, g)
    return Scores(len(ids), bp, br, bf, adjusted_rand(p, g), nmi(p, g), pp, pr, pf)


def load_prediction(path: str) -> dict[str, str]:
    """Cluster label per article id from a ``dedup`` JSONL or a ``storylines`` JSON file.

    Dedup: an article and its ``duplicates`` share a label. Storylines: every article of
    a storyline (copies included) shares its id; unclustered articles (with their
    copies) are clusters of their own.

    Raises:
        InputError: If the file is neither, naming the file (and line) and the fix.
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}", "check the path") from None
    stripped = raw.lstrip()
    if stripped.startswith(b"{") and b'"schema_version"' in raw[:200]:
        return _storylines_labels(path, raw)
    return _dedup_labels(path, raw)


def _storylines_labels(path: str, raw: bytes) -> dict[str, str]:
    try:
        document = orjson.loads(raw)
        labels: dict[str, str] = {}
        for story in document["storylines"]:
            for entry in story["articles"]:
                _put(labels, path, [entry["id"], *entry["duplicates"]], story["id"])
        for entry in document["unclustered"]:
            _put(labels, path, [entry["id"], *entry["duplicates"]], "alone:" + entry["id"])
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise InputError(path, f"not a storylines file: {exc}",
                         "pass a file written by `clusterer storylines --json`") from None
    return labels


def _dedup_labels(path: str, raw: bytes) -> dict[str, str]:
    labels: dict[str, str] = {}
    for lineno, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
            ids = [str(record["id"]), *map(str, record["duplicates"])]
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise InputError(f"{path}:{lineno}", f"not a dedup output line: {exc}",
                             "pass a file written by `clusterer dedup` or `clusterer storylines "
                             "--json`") from None
        _put(labels, f"{path}:{lineno}", ids, ids[0])
    return labels


def _put(labels: dict[str, str], where: str, ids: list[str], label: str) -> None:
    for article_id in ids:
        if article_id in labels:
            raise InputError(where, f'id "{article_id}" appears twice',
                             "pass an unmodified clusterer output")
        labels[article_id] = label


def gold_labels(articles: Iterable[Article], label_field: str) -> dict[str, str]:
    """Gold label per article id, from each article's original ``label_field``.

    Raises:
        InputError: If an article has no such field (naming its file and line).
    """
    gold: dict[str, str] = {}
    for article in articles:
        value = article.fields.get(label_field)
        if value is None or value == "":
            raise InputError(article.origin, f'missing label field "{label_field}"',
                             "pass --label-field to choose the field holding the true cluster")
        gold[article.id] = str(value)
    return gold


def check_same_ids(pred: Mapping[str, str], gold: Mapping[str, str], pred_path: str,
                   gold_path: str) -> None:
    """Both sides must hold the same ids.

    Raises:
        InputError: Naming the file that misses ids, a few of them, and the fix.
    """
    for where, missing, other in ((pred_path, sorted(set(gold) - set(pred)), gold_path),
                                  (gold_path, sorted(set(pred) - set(gold)), pred_path)):
        if missing:
            shown = ", ".join(f'"{i}"' for i in missing[:3]) + (", …" if len(missing) > 3 else "")
            raise InputError(where, f"{len(missing)} ids of {other} are missing: {shown}",
                             "evaluate the prediction against the same input it was made from")
