"""Tests for clusterer.headers: headers kept as columns, read back as articles."""

import dataclasses
import pickle
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clusterer.headers import GroupColumns, GroupTable, HeaderTable, TableArticle
from clusterer.records import Article, DuplicateGroup, Link

UTC = timezone.utc


class _Loader:
    """Gives each article a text and record made from its row, and counts the reads."""

    def __init__(self):
        self.reads = []

    def load(self, index, header):
        self.reads.append(index)
        return Article(header.id, header.title, f"text {index}", header.url, header.source,
                       header.published, header.guid, {"row": index}, header.origin)


def _table(articles):
    table = HeaderTable(_Loader())
    for article in articles:
        table.append(article)
    return table


ARTICLES = [
    Article("a", "Héadline \ud800 one", "", "https://x.example/1", "Wire",
            datetime(2024, 10, 16, 22, 0, 0, 123456, tzinfo=UTC), "g-1", {}, "/in/feed.jsonl:1"),
    Article("", "", "", None, None, None, None, {}, ""),
    Article("c", "Three", "", None, "Wire", datetime(1, 1, 1, tzinfo=UTC), None, {}, "feed:item 3"),
    Article("d", "Four", "", "u", "Other", datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=2))),
            "", {}, "no colon"),
]


def test_every_field_reads_back_as_given():
    table = _table(ARTICLES)
    assert len(table) == 4
    for article, read in zip(ARTICLES, table):
        for name in ("id", "title", "url", "source", "published", "guid", "origin"):
            got, want = getattr(read, name), getattr(article, name)
            assert got == want and type(got) is type(want), name
    assert table[2].published.tzinfo is UTC
    assert table[3].published.utcoffset() == timedelta(hours=2)  # kept as given
    assert [a.id for a in table[1:3]] == ["", "c"] and table[-1].id == "d"


def test_text_and_record_come_from_the_loader():
    table = _table(ARTICLES)
    article = table[2]
    assert table.loader.reads == []
    assert article.text == "text 2" and article.fields == {"row": 2}
    assert table.loader.reads == [2, 2]


def test_a_row_stands_for_its_article():
    table = _table(ARTICLES)
    whole = table.loader.load(0, ARTICLES[0])
    assert isinstance(table[0], TableArticle) and isinstance(table[0], Article)
    assert table[0] == whole and hash(table[0]) == hash(whole) and table[0] != table[2]
    copied = pickle.loads(pickle.dumps(table[0]))
    assert type(copied) is Article and copied == whole and copied.fields == {"row": 0}
    renamed = dataclasses.replace(table[0], id="z")
    assert type(renamed) is Article and renamed.id == "z" and renamed.text == "text 0"


def test_columns_are_smaller_than_the_strings():
    articles = [Article(f"id-{k}", f"Headline number {k}", "", f"https://site.example/{k}",
                        "Wire", datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=k), None,
                        {}, f"/data/feed.jsonl:{k + 1}") for k in range(1000)]
    table = _table(articles)
    text = sum(len(a.id) + len(a.title) + len(a.url) + len(str(k + 1))
               for k, a in enumerate(articles))
    # Per article: the strings' bytes, 8 bytes an offset and 1 a None flag for each of
    # five string columns, 4 each for source and file numbers, 8 for the time.
    assert table.nbytes() == text + 1000 * (5 * 9 + 2 * 4 + 8)


@pytest.mark.fuzz
@given(st.lists(st.tuples(st.text(), st.text(), st.none() | st.text(), st.none() | st.text(),
                          st.none() | st.datetimes(timezones=st.just(UTC)),
                          st.none() | st.text(), st.text()), max_size=20))
def test_any_header_round_trips(rows):
    articles = [Article(i, t, "", u, s, p, g, {}, o) for i, t, u, s, p, g, o in rows]
    table = _table(articles)
    assert [tuple(getattr(a, f.name) for f in dataclasses.fields(Article) if f.name not in
                  ("text", "fields")) for a in table] == [
        tuple(getattr(a, f.name) for f in dataclasses.fields(Article) if f.name not in
              ("text", "fields")) for a in articles]


def _groups(docs):
    a, b, c, d = docs
    return [
        DuplicateGroup(kept=a),
        DuplicateGroup(kept=c, duplicates=(b, d), similarities=(0.875, 1.0),
                       kinds=("jaccard", "url"),
                       links=(Link("c", "jaccard", 0.875), Link("a", "url", None))),
        DuplicateGroup(kept=b, duplicates=(a,), similarities=(0.5,)),  # no kinds nor links
    ]


def test_groups_read_back_from_their_columns_as_given():
    table = _table(ARTICLES)
    groups = _groups(list(table))
    columns = GroupColumns.of(groups, {"a": 0, "": 1, "c": 2, "d": 3})
    assert columns.names == ("", "jaccard", "url")
    assert columns.kept.tolist() == [0, 2, 1] and columns.ends.tolist() == [0, 2, 3]
    assert columns.duplicates.tolist() == [1, 3, 0] and columns.via.tolist() == [2, 0, 0]
    assert columns.link_none.tolist() == [False, True, True]
    read = GroupTable(table, columns)
    assert len(read) == 3 and list(read) == groups and read[-1] == groups[2]
    assert read[1:] == groups[1:]
    assert [g.to_dict() for g in read] == [g.to_dict() for g in groups]
    assert read[1].links[1].similarity is None and read[2].kinds == () == read[2].links


def test_a_group_whose_kinds_miss_a_duplicate_is_refused():
    table = _table(ARTICLES[:3])
    group = DuplicateGroup(kept=table[0], duplicates=(table[1], table[2]),
                           similarities=(1.0, 1.0), kinds=("url",))
    with pytest.raises(ValueError, match="one per duplicate"):
        GroupColumns.of([group], {"a": 0, "": 1, "c": 2})


def test_a_column_reads_one_field_of_every_row():
    table = _table(ARTICLES)
    titles = table.column("title")
    assert len(titles) == 4 and titles[1:3] == ["", "Three"] and titles[-1] == "Four"
    assert table.column("published")[:] == [a.published for a in ARTICLES]
    with pytest.raises(IndexError):
        titles[4]
