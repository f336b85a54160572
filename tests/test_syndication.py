"""The syndication fixture's generator (tests/syndication.py): cuts keep story paragraphs."""

import dataclasses
import random

from syndication import _edited, _sample_stories, _story_end


def _sample(number: str):
    return next(s for s in _sample_stories() if s.label.startswith(f"sample-{number}"))


def test_story_end_skips_the_page_furniture() -> None:
    page = _sample("003")  # its headline line and "1 min read" come first
    assert [_story_end(page, n, len(page.paragraphs)) for n in (1, 2, 3)] == [3, 4, 5]
    teaser = _sample("000")  # teaser, date, headline again, caption, then the story
    assert [_story_end(teaser, n, len(teaser.paragraphs)) for n in (2, 3)] == [6, 7]
    plain = _sample("002")
    assert plain.furniture == frozenset()
    assert _story_end(plain, 2, len(plain.paragraphs)) == 2


def test_a_cut_copy_keeps_the_story_and_draws_as_before() -> None:
    page = _sample("003")
    old = dataclasses.replace(page, furniture=frozenset())  # cuts counting furniture
    cut = abridged = 0
    for seed in range(300):
        rng, rng_old = random.Random(seed), random.Random(seed)
        title, paragraphs, used, drawn = _edited(rng, page, "Site X", {}, False, hard=True)
        title_old, paragraphs_old, used_old, drawn_old = _edited(rng_old, old, "Site X", {},
                                                                 False, hard=True)
        # The same draws: the generator's state, the headline, the edits, and the
        # paragraphs the old cut kept, word for word.
        assert rng.getstate() == rng_old.getstate()
        assert (title, used, drawn) == (title_old, used_old, drawn_old)
        if paragraphs is None:
            assert paragraphs_old is None
            continue
        assert paragraphs_old is not None and paragraphs[:drawn] == paragraphs_old
        if "cut" in used:  # 2-3 story paragraphs past the headline line and "1 min read"
            cut += 1
            assert drawn in (2, 3) and len(paragraphs) == drawn + 2
        elif "abridged" in used:
            abridged += 1
            assert drawn == 2 and len(paragraphs) == 4
        else:
            assert paragraphs == paragraphs_old
    assert cut > 20 and abridged > 20  # both kinds drawn often enough to say something


def test_a_copy_of_a_cut_copy_draws_over_what_the_old_cut_kept() -> None:
    page = _sample("000")
    for seed in range(300):
        rng = random.Random(seed)
        _, paragraphs, used, drawn = _edited(rng, page, "Site X", {}, False, hard=True)
        if "cut" in used and paragraphs is not None:
            break
    else:
        raise AssertionError("no cut copy in 300 seeds")
    made = dataclasses.replace(page, paragraphs=tuple(paragraphs), drawn=drawn)
    old = dataclasses.replace(page, paragraphs=tuple(paragraphs[:drawn]), furniture=frozenset())
    rng, rng_old = random.Random(7), random.Random(7)
    _, again, _, drawn_again = _edited(rng, made, "Site Y", {}, False, hard=True)
    _, again_old, _, _ = _edited(rng_old, old, "Site Y", {}, False, hard=True)
    assert rng.getstate() == rng_old.getstate()
    assert again is not None and again_old is not None
    assert again[:drawn_again] == again_old and len(again) == len(paragraphs)
