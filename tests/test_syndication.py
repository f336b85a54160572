"""The syndication fixture's generator (tests/syndication.py): cuts keep story paragraphs,
and a cut headline is cut as a feed's length limit cuts it."""

import dataclasses
import random

from syndication import (
    FEED_LIMIT,
    _edited,
    _headline_stories,
    _one_wire_story,
    _sample_stories,
    _story_end,
    _uci,
    feed_cut,
)


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


def test_a_feed_cuts_long_headlines_at_a_word_near_its_limit() -> None:
    assert feed_cut("World has new top banana") == "World has new top banana"
    assert feed_cut("Mt. Gox files for US bankruptcy to halt class action", 45) == (
        "Mt. Gox files for US bankruptcy to halt class ...")  # as the real feed cut it
    assert feed_cut("one two three", 7) == "one two ..."  # "two" ends at the limit: kept
    titles = [r["title"].strip() for r in _uci()] + [s.title for s in _sample_stories()]
    cuts = 0
    for title in titles:
        cut = feed_cut(title)
        if len(title) <= FEED_LIMIT:
            assert cut == title
            continue
        cuts += 1
        kept = cut.removesuffix(" ...")
        assert cut.endswith(" ...") and len(kept) <= FEED_LIMIT
        assert title.startswith(kept) and title[len(kept)] == " "  # whole words
        # Never to a word or two: every real headline keeps 6 words or more.
        assert len(kept.split()) >= 6 and len(kept) > FEED_LIMIT - 15
    assert cuts > 100  # enough real headlines over the limit to say something


def test_the_feed_cut_draws_as_the_last_word_cut_did() -> None:
    stories = [_sample("002"), _sample("001"), _sample("003")]  # 466, 70 and 9 characters
    changed = unchanged = 0
    for seed in range(300):
        for story in stories:
            rng, rng_old = random.Random(seed), random.Random(seed)
            title, paragraphs, used, drawn = _edited(rng, story, "Site X", {}, False, hard=True,
                                                     feed_limit=FEED_LIMIT)
            title_old, paragraphs_old, used_old, drawn_old = _edited(rng_old, story, "Site X", {},
                                                                     False, hard=True)
            assert rng.getstate() == rng_old.getstate()
            assert (paragraphs, drawn) == (paragraphs_old, drawn_old)
            assert used - {"headline"} == used_old - {"headline"}
            if title_old == " ".join(story.title.split()[:-1]):  # the old cut was drawn
                if len(story.title) > FEED_LIMIT:
                    assert title == feed_cut(story.title) and "headline" in used
                    changed += 1
                else:  # within the limit: not cut, and not counted as edited
                    assert title == story.title and "headline" not in used
                    unchanged += 1
            else:
                assert (title, used) == (title_old, used_old)
    assert changed > 20 and unchanged > 10


def test_the_two_articles_of_one_event_are_not_versions_of_one_wire_story() -> None:
    assert _one_wire_story("Chiquita, Fyffes Agree to Deal -- 2nd Update",
                           "Chiquita, Fyffes Agree to Deal -- 3rd Update")
    assert _one_wire_story("UPDATE 2-Chiquita agrees", "Chiquita agrees")
    assert not _one_wire_story("Chiquita agrees", "Fyffes agrees")
    # Seed 342 drew "… -- 2nd Update" and "… -- 3rd Update" for one event's two articles:
    # a headline-only copy of each is the other's, whatever the truth said.
    stories = _headline_stories(random.Random(342), 12, 3)
    for first, second in zip(stories[::2], stories[1::2]):
        assert not _one_wire_story(first.title, second.title)
