"""Tests of clusterer.extend: how new clusters join stored storylines."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from clusterer.evidence import NOISE
from clusterer.extend import _merge_by_stretch, _merge_new


def _merged(new_row: list[float]) -> list[int]:
    """A stored storyline (label 0: three stored articles on word 0) and a new cluster
    (label 1: twenty new articles, each ``new_row``), alike in the reduced vectors so
    that the SVD merge proposes joining them; every headline shares a word."""
    rows = [[1.0, 0.0, 0.0]] * 3 + [new_row] * 20
    tfidf = sp.csr_matrix(np.array(rows) / np.linalg.norm(rows, axis=1, keepdims=True))
    titles = sp.csr_matrix(np.ones((23, 1)))
    vectors = np.tile([1.0, 0.0], (23, 1))
    labels = np.array([0] * 3 + [1] * 20)
    seeds = np.array([0] * 3 + [-1] * 20)
    return _merge_new(vectors, (tfidf, titles), np.ones(23), labels, np.ones(23, dtype=bool),
                      seeds, seeds < 0, 0.15, True, [np.arange(23)]).tolist()


def test_a_new_cluster_that_would_push_out_the_stored_members_stays_apart() -> None:
    # Merged, the stored members' cosine with the rest (2 / sqrt(404) = 0.10) falls
    # below 0.15: the twenty new articles would take the storyline over.
    assert _merged([0.0, 1.0, 0.0]) == [0] * 3 + [1] * 20


def test_a_new_cluster_that_keeps_the_stored_members_joins_them() -> None:
    assert _merged([1.0, 1.0, 0.0]) == [0] * 23


def test_merges_are_proposed_within_a_stretch_and_bind_all_of_a_storyline() -> None:
    # Stretch A (rows 0-4): storylines 2 and 5 alike, 7 apart; stretch B (rows 5-7):
    # 5's undated member, and storyline 3 whose vectors match 7's, but the two
    # stretches' vectors are in different spaces: 3 and 7 do not merge.
    vectors = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0],
                        [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    labels = np.array([2, 2, 5, 5, 7, 5, 3, 3])
    stretches = [np.arange(5), np.arange(5, 8)]
    merged = _merge_by_stretch(vectors, np.ones(8), labels, stretches)
    # 5 became 2 everywhere, its member in stretch B too; 7 (one article) takes no part.
    assert merged.tolist() == [2, 2, 2, 2, 7, 2, 3, 3]
    noise = _merge_by_stretch(vectors, np.ones(8), np.full(8, NOISE), stretches)
    assert noise.tolist() == [NOISE] * 8


def test_a_new_article_sharing_only_its_site_s_name_in_the_headline_does_not_join() -> None:
    # Two stored WNET committee pages (storyline 0) and a new WNET page with the same
    # boilerplate body: the headlines share only the site's name, which is no evidence
    # in a batch run (features.title_terms with the site's words), nor on a state.
    from datetime import datetime, timedelta, timezone

    from clusterer.extend import extend_storylines
    from clusterer.records import DuplicateGroup

    from conftest import make_article

    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    body = ("WNET board and committee meetings are open to the public; agendas and minutes "
            "of the audit, finance and programme committees are posted here. ") * 3
    titles = ["WNET Audit Committee Meetings", "WNET Audit Committee Minutes",
              "WNET Interactive Technology"]
    groups = [DuplicateGroup(kept=make_article(f"w{i}", title, body + f" Page {i}.",
                                               source="WNET", url=f"https://www.wnet.org/{i}",
                                               published=start + timedelta(hours=i)))
              for i, title in enumerate(titles)]
    found = extend_storylines(groups, [0, 0, -1])
    assert [sorted(g.kept.id for g in s.groups) for s in found.storylines] == [["w0", "w1"]]
    assert [g.kept.id for g in found.unclustered] == ["w2"]
