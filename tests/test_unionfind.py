import pytest
from hypothesis import given
from hypothesis import strategies as st

from clusterer.unionfind import UnionFind


@pytest.mark.fuzz
@given(st.lists(st.tuples(st.integers(0, 29), st.integers(0, 29)), max_size=60))
def test_union_find_roots_are_each_elements_find(unions: list[tuple[int, int]]) -> None:
    uf = UnionFind(30)
    for a, b in unions:
        uf.union(a, b)
    roots = uf.roots().tolist()  # before find() compresses any path
    assert roots == [uf.find(x) for x in range(30)]
