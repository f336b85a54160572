"""Naming storylines: the representative headline and the keywords.

The representative is a headline a reader can take as the storyline's title: complete
(not cut off with "..."), reading like a news report (not a question, an opinion column,
a list or an explainer), central to the storyline, and widely syndicated. Keywords are
class-based TF-IDF terms, names first, with no word beside a word pair that holds it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from clusterer.language import stop_words
from clusterer.readers.urls import source_key
from clusterer.records import DuplicateGroup

if TYPE_CHECKING:  # imported where used: scipy costs every start-up 0.15 s
    from clusterer.features import Features

_CUT = ("...", "\u2026", " -", " |", ":")
_SYNDICATION_BONUS = 0.05  # centrality added per doubling of an article's copies


# Headlines that are not reports of the story: questions, columns, explainers, lists,
# live pages, first and second person ("Should we get involved in Ukraine?", "Spritz: 5
# Things to Know About New Speed Reading App", "Why I am selling my Apple shares").
_NOT_NEWS = re.compile(
    r"\?\s*$"
    r"|^(?:why|how|what|should|opinion|analysis|commentary|column|editorial|explainer"
    r"|review|q\s*&\s*a|letters?|live|watch|video|podcast|quiz|poll)\b"
    r"|^[^:]{0,40}\b(?:opinion|analysis|commentary|column|editorial|explainer|review|live)\s*:"
    r"|\b\d+\s+(?:things|ways|reasons|facts|questions|takeaways|lessons|tips|signs)\b"
    r"|(?:^|\s)(?:i|i'm|i've|we|we're|my|our|you|your|you're)(?=\s|$)",
    re.IGNORECASE)


def reads_like_news(title: str) -> bool:
    """Whether a headline reads like a news report (English markers; in any language a
    question is not one)."""
    return not _NOT_NEWS.search(title.strip())


# English words a complete headline does not end on ("GM recall probe widens as ...").
# Not every stop word: "for Xbox One", "says Fed is done" end complete.
_EN_DANGLING = frozenset([
    "a", "an", "the", "and", "or", "but", "nor", "of", "to", "in", "on", "at", "by", "for", "with",
    "from", "into", "onto", "as", "than", "that", "which", "who", "whose", "its", "their", "his",
    "her", "our", "your", "my", "is", "are", "was", "were", "be", "been", "will", "would", "can",
    "could", "should", "may", "might", "must", "has", "have", "had", "amid", "after", "before",
    "over", "under", "about", "against", "between", "via"])


def dangling_words(language: str) -> frozenset[str]:
    """Words a complete headline of ``language`` does not end on: English articles,
    prepositions, conjunctions and auxiliaries; in other languages their stop words."""
    return _EN_DANGLING if language == "en" else stop_words(language)


def representative(ranked: Sequence[DuplicateGroup], centrality: Sequence[float],
                   stop: frozenset[str], chrome: Callable[[DuplicateGroup], bool] | None = None
                   ) -> DuplicateGroup:
    """The headline that names a storyline, by these rules in turn:

    1. not page chrome: not a member for which ``chrome`` holds (a headline scraped
       from navigation, "News Feed", or one that many unrelated pages carry);
    2. complete: not cut off with "..." nor ending on a function word, and not the
       start of another complete headline of a member (or a copy) short of one or two
       words;
    3. a headline's length: four to ``_LONGEST_WORDS`` words (not a name alone, "Snowden
       Inc.", nor a paragraph taken for a headline);
    4. reading like news (:func:`reads_like_news`);
    5. plainly written: not in capitals throughout, without a wire prefix ("UPDATE 2-");
    6. the most central, counting syndication (copies) as a small bonus.

    Each member is judged by its own best headline (:func:`group_headline`), the one
    the storyline then carries.
    """
    heads = [_words(t) for g in ranked for t in {a.title.strip() for a in (g.kept, *g.duplicates)}
             if not t.endswith(_CUT)]
    starts = {tuple(h[:k]) for h in heads for k in range(max(1, len(h) - 2), len(h))}

    def key(k: int) -> tuple[bool, bool, bool, bool, float, str]:
        title = group_headline(ranked[k])
        words = title.split()
        complete = bool(words) and not title.endswith(_CUT) and \
            words[-1].lower().strip(".,;") not in stop and tuple(_words(title)) not in starts
        score = centrality[k] + _SYNDICATION_BONUS * math.log2(ranked[k].size)
        return (not complete, not 4 <= len(words) <= _LONGEST_WORDS, not reads_like_news(title),
                not _plain(title), -round(score, 9), ranked[k].kept.id)

    order = sorted(range(len(ranked)), key=key)
    # Told lazily, best first: dedup's chrome test costs about 50 microseconds a headline.
    return ranked[next((k for k in order if chrome is None or not chrome(ranked[k])), order[0])]


_LONGEST_WORDS = 30  # words of the longest headline a representative may have
# Wire prefixes: "UPDATE 2-", "GLOBAL MARKETS-", "EXCLUSIVE-" (not "NATO-Russia talks").
_WIRE = re.compile(r"^(?:[A-Z]{2,}(?:\s+(?:[A-Z]{2,}|\d+))+|UPDATE|WRAPUP|REFILE|CORRECTED|RPT"
                   r"|EXCLUSIVE|BREAKING)\s*-")


def group_headline(group: DuplicateGroup) -> str:
    """The headline a duplicate group is named by: of its kept article's and its copies'
    headlines, the first not cut off with "..." (a feed may cut the kept article's
    where a copy holds it whole), plainly written (:func:`_plain`), reading like news;
    on a tie the kept article's, then the copy's with the smallest id."""
    titles = [(0, group.kept.id, group.kept.title.strip())]
    titles += [(1, a.id, a.title.strip()) for a in group.duplicates]
    return min(titles, key=lambda t: (t[2].endswith(_CUT), not _plain(t[2]),
                                      not reads_like_news(t[2]), t[0], t[1]))[2]


def _plain(title: str) -> bool:
    """Without a wire prefix ("UPDATE 2-") and not in capitals throughout."""
    return not _WIRE.match(title) and not (title.upper() == title != title.lower())


def _words(title: str) -> list[str]:
    return re.findall(r"\w+", title.casefold())


def shared_titles(groups: Sequence[DuplicateGroup], labels: Sequence[int], noise: int
                  ) -> set[str]:
    """Kept ids of the articles whose headline (as its words) ``_SHARED_BY`` or more
    distinct articles of one site carry, not all in one storyline (``labels``; an
    unclustered article, ``noise``, counts as its own): page chrome of that site
    ("Business News" on every page it saved), no story's headline. Distinct articles
    of several sites under one headline are most often one story that dedup did not
    join (different bodies), not chrome."""
    carriers: dict[tuple[str, str], list[int]] = {}
    for at, group in enumerate(groups):
        key = " ".join(_words(group.kept.title))
        if key:
            carriers.setdefault((source_key(group.kept), key), []).append(at)
    return {groups[k].kept.id for at in carriers.values()
            if len(at) >= _SHARED_BY and len({labels[k] if labels[k] != noise else -2 - k
                                              for k in at}) > 1
            for k in at}


_SHARED_BY = 3  # distinct articles that make a headline shared page chrome


def keywords(rows: Sequence[Sequence[int]], titles: Sequence[Sequence[str]], features: Features,
             count: int) -> list[tuple[str, ...]]:
    """Keywords of each storyline, by class-based TF-IDF (c-TF-IDF): a term's weight in
    a storyline times log(1 + average weight per storyline / the term's weight over all
    storylines).

    Names (terms capitalised in most headlines that hold them) score a quarter more. A
    word is not listed beside a chosen word pair that holds it ("hong kong", not also
    "hong" and "kong").

    Args:
        rows: Each storyline's members, as rows of ``features.tfidf``.
        titles: Each storyline's headlines, most central first.
        features: The articles' features.
        count: Keywords per storyline.
    """
    import scipy.sparse as sp

    if not rows or features.tfidf.shape[1] == 0:
        return [() for _ in rows]
    indicator = sp.csr_matrix((np.ones(sum(map(len, rows))),
                               (np.repeat(np.arange(len(rows)), [len(r) for r in rows]),
                                np.concatenate(rows))), shape=(len(rows), features.tfidf.shape[0]))
    per_class = np.asarray((indicator @ features.tfidf).todense())
    totals = per_class.sum(axis=0)
    average = per_class.sum() / len(rows)
    scores = per_class * np.log1p(average / np.where(totals > 0, totals, np.inf))
    out = []
    for heads, row in zip(titles, scores):
        ranked = np.lexsort((features.terms, -row))
        top = [t for t in ranked[: 4 * count] if row[t] > 0]
        names = _name_like([str(features.terms[t]) for t in top], list(heads[:_NAME_TITLES]))
        boosted = sorted(range(len(top)), key=lambda k: (-row[top[k]] * (
            _NAME_BONUS if names[k] else 1.0), k))
        out.append(pick_keywords([str(features.terms[top[k]]) for k in boosted], count))
    return out


_NAME_TITLES = 200  # headlines (most central first) read to tell names
_NAME_BONUS = 1.25  # keyword score times this for a name


def _name_like(terms: Sequence[str], titles: Sequence[str]) -> list[bool]:
    """Which terms are written as names (capitalised) in most headlines that hold them
    past their first word; in headlines in title case every word is, and none gains."""
    heads = [t.split(maxsplit=1)[1] if " " in t else "" for t in titles]
    lowered = [h.lower() for h in heads]
    out = []
    for term in terms:
        pattern = re.compile(r"\b" + re.escape(term).replace(r"\ ", r"\W+") + r"\b")
        capital = seen = 0
        for head, low in zip(heads, lowered):
            for match in pattern.finditer(low):
                seen += 1
                capital += head[match.start()].isupper()
        out.append(seen > 0 and capital * 2 > seen)
    return out


def pick_keywords(candidates: Sequence[str], count: int) -> tuple[str, ...]:
    """The first ``count`` terms, best first, with no word beside a word pair holding it.

    A pair takes the place of a word of it chosen before; a word inside a chosen pair
    is skipped, and so is a pair whose words chosen pairs show already ("apple ios"
    after "apple releases" and "ios update").
    """
    chosen: list[str] = []
    for term in candidates:
        words = term.split()
        if len(words) == 1 and any(term in c.split() for c in chosen if " " in c):
            continue
        if term in chosen or (len(words) > 1 and set(words) <= {
                w for c in chosen if " " in c for w in c.split()}):
            continue
        inside = [i for i, c in enumerate(chosen) if " " not in c and c in words]
        if inside:
            chosen[inside[0]] = term
            chosen = [c for i, c in enumerate(chosen) if i not in inside[1:]]
        else:
            chosen.append(term)
        if len(chosen) >= count:
            break
    return tuple(chosen[:count])
