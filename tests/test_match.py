import pytest

from clusterer.dedup import DedupConfig, deduplicate
from clusterer.match import MatchConfig

from conftest import make_article, words


def test_match_config_validation() -> None:
    with pytest.raises(ValueError, match=r"threshold must be in \(0.0, 1.0\], got 0.0"):
        MatchConfig(threshold=0.0)


def test_text_many_pages_carry_is_no_story_opening_for_the_inside_rule() -> None:
    # Two pages of sites seen once, under nearly the same headline, that share only a
    # donation pitch after their own headers: a story inside the other while the pitch
    # is on these two pages only, no copy once 60 more pages (other sites, other
    # headlines) carry it.
    pitch = words("pitch", 40)
    pages = [make_article(f"page{k}", "Storm hits the coast overnight; Council votes",
                          f"{words(f'own{k}x', 70)}\n\n{pitch}\n\n{words(f'tail{k}x', 150)}",
                          source=f"site{k}") for k in (1, 2)]
    pages[1] = make_article("page2", "Council votes; Storm hits the coast overnight",
                            f"{pitch}\n\n{words('tail2x', 150)}", source="site2")
    others = [make_article(f"other{k}", f"Other story {k}",
                           f"{words(f'o{k}x', 60)}\n\n{pitch}\n\n{words(f'p{k}x', 60)}",
                           source=f"elsewhere{k}") for k in range(60)]

    def joined(docs) -> bool:
        groups = deduplicate(docs, DedupConfig(workers=1)).groups
        return any(g.kept.id.startswith("page") and g.duplicates for g in groups)

    assert joined(pages)
    assert not joined([*pages, *others])
