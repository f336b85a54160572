"""Peers that ``scripts/bench.py`` times beside ``clusterer dedup``, each as its own process.

Usage: python scripts/peers.py rensa DUMP.jsonl LABELS.json
       python scripts/peers.py floor DUMP.jsonl

``rensa``: a bare Rust MinHash dedup loop in one process, as a user would write it with
rensa (``pip install -e '.[bench]'``): the lowercase ``\\w+`` words of title and text,
3-word shingles, ``RMinHash(num_perm=128, seed=42)``, ``RMinHashLSH(threshold=0.5,
num_perm=128, num_bands=32)``, each article queried then inserted, union-find over the
candidates whose estimated Jaccard is at least 0.5. Writes ``{id: group root}`` to
LABELS for scoring. No chrome handling, no verification.

``floor``: the least work any shingling dedup must do, in numpy on two processes: read
each line with orjson, lowercase title and text, split into ``\\w+`` words, hash every
word and every 4-word shingle (vectorised, per chunk of 1,024 articles), keep the
distinct ones. Nothing is signed or matched: its CPU time is a floor, not a peer. Prints
the number of distinct shingles summed over chunks.
"""

from __future__ import annotations

import multiprocessing
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import orjson

from clusterer.hashing import hash_units

WORD = re.compile(r"\w+")
RENSA_SHINGLE, RENSA_PERM, RENSA_BANDS, RENSA_THRESHOLD = 3, 128, 32, 0.5
FLOOR_SHINGLE, FLOOR_CHUNK, FLOOR_PROCESSES = 4, 1024, 2


def rensa_dedup(path: Path) -> dict[str, str]:
    """The bare rensa loop over the dump at ``path``: a group root per id."""
    from rensa import RMinHash, RMinHashLSH

    ids: list[str] = []
    parent: list[int] = []
    hashes: list[RMinHash] = []

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    lsh = RMinHashLSH(threshold=RENSA_THRESHOLD, num_perm=RENSA_PERM, num_bands=RENSA_BANDS)
    with path.open("rb") as fh:
        for index, line in enumerate(fh):
            record = orjson.loads(line)
            words = WORD.findall(f"{record.get('title') or ''} {record.get('text') or ''}".lower())
            shingles = [" ".join(words[i:i + RENSA_SHINGLE])
                        for i in range(max(1, len(words) - RENSA_SHINGLE + 1))]
            m = RMinHash(num_perm=RENSA_PERM, seed=42)
            m.update(shingles)
            ids.append(str(record["id"]))
            parent.append(index)
            hashes.append(m)
            for other in lsh.query(m):
                if m.jaccard(hashes[other]) >= RENSA_THRESHOLD:
                    parent[find(other)] = find(index)
            lsh.insert(index, m)
    return {key: ids[find(i)] for i, key in enumerate(ids)}


def _floor_chunk(lines: list[bytes]) -> int:
    """Shingle hashes of a chunk of records; returns how many."""
    texts = []
    for line in lines:
        record = orjson.loads(line)
        found = WORD.findall(f"{record.get('title') or ''} {record.get('text') or ''}".lower())
        texts.append(" ".join(found))
    # Word hashes in numpy from the UTF-8 bytes (one line per article), as clusterer does.
    hashed = hash_units("\n".join(texts))
    words = hashed.tokens.astype(np.uint64)
    article = np.repeat(np.arange(len(hashed.unit_tokens)), hashed.unit_tokens)
    k = FLOOR_SHINGLE
    if len(words) < k:
        return 0
    with np.errstate(over="ignore"):
        shingle = words[: len(words) - k + 1].copy()
        for j in range(1, k):
            shingle = shingle * np.uint64(0x100000001B3) + words[j: len(words) - k + 1 + j]
    inside = article[: len(words) - k + 1] == article[k - 1:]  # no window across articles
    return int(np.unique(shingle[inside]).size)


def _chunks(path: Path) -> Iterator[list[bytes]]:
    with path.open("rb") as fh:
        chunk: list[bytes] = []
        for line in fh:
            chunk.append(line)
            if len(chunk) == FLOOR_CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


def floor(path: Path) -> int:
    """The numpy floor over the dump at ``path`` on ``FLOOR_PROCESSES`` processes."""
    with multiprocessing.get_context("fork").Pool(FLOOR_PROCESSES) as pool:
        return sum(pool.imap(_floor_chunk, _chunks(path)))


def main(argv: list[str]) -> None:
    if len(argv) == 3 and argv[0] == "rensa":
        labels = rensa_dedup(Path(argv[1]))
        Path(argv[2]).write_bytes(orjson.dumps(labels))
    elif len(argv) == 2 and argv[0] == "floor":
        print(floor(Path(argv[1])))
    else:
        sys.exit(__doc__.split("\n\n")[1])


if __name__ == "__main__":
    main(sys.argv[1:])
