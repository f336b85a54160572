import json

import orjson
import pytest
from typer.testing import CliRunner

from clusterer.cli import app
from clusterer.errors import InputError
from clusterer.evaluate import (
    adjusted_rand,
    bcubed,
    check_same_ids,
    load_prediction,
    nmi,
    pairwise,
    score,
)

runner = CliRunner()


def test_bcubed_by_hand():
    # Items a,b together and c alone, truth all together: precision 1, recall (2/3+2/3+1/3)/3.
    p, r, f = bcubed(["x", "x", "y"], ["g", "g", "g"])
    assert p == 1.0
    assert r == pytest.approx(5 / 9)
    assert f == pytest.approx(2 * (5 / 9) / (1 + 5 / 9))


def test_pairwise_by_hand():
    assert pairwise(["x", "x", "y"], ["g", "g", "g"]) == pytest.approx((1.0, 1 / 3, 0.5))
    assert pairwise(["a", "b"], ["a", "b"]) == (1.0, 1.0, 1.0)  # no pairs on either side


def test_ari_and_nmi_perfect_and_labels_of_any_type():
    assert adjusted_rand([1, 1, 2], ["a", "a", "b"]) == 1.0
    assert nmi([(1,), (1,), (2,)], ["a", "a", "b"]) == pytest.approx(1.0)


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="same length"):
        bcubed([1], [1, 2])


def _write(path, lines):
    path.write_bytes(b"".join(orjson.dumps(x) + b"\n" for x in lines))
    return str(path)


def test_load_dedup_output(tmp_path):
    path = _write(tmp_path / "d.jsonl", [{"id": "a", "duplicates": ["b"]}, {"id": "c", "duplicates": []}])
    assert load_prediction(path) == {"a": "a", "b": "a", "c": "c"}


def test_load_storylines_output(tmp_path):
    doc = {"schema_version": 1, "params": {}, "stats": {},
           "storylines": [{"id": "s-1", "articles": [{"id": "a", "duplicates": ["b"]},
                                                      {"id": "c", "duplicates": []}]}],
           "unclustered": [{"id": "d", "duplicates": ["e"]}]}
    path = tmp_path / "s.json"
    path.write_text(json.dumps(doc))
    assert load_prediction(str(path)) == {"a": "s-1", "b": "s-1", "c": "s-1", "d": "alone:d",
                                          "e": "alone:d"}


def test_bad_prediction_line_names_the_line(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"id": "a", "duplicates": []}\n{"id": "b"}\n')
    with pytest.raises(InputError, match=r"d.jsonl:2: not a dedup output line: 'duplicates'"):
        load_prediction(str(path))


def test_missing_ids_are_a_clear_error():
    with pytest.raises(InputError) as info:
        check_same_ids({"a": "1"}, {"a": "1", "b": "1", "c": "2"}, "pred.jsonl", "gold.jsonl")
    assert str(info.value) == ('pred.jsonl: 2 ids of gold.jsonl are missing: "b", "c"; evaluate '
                               "the prediction against the same input it was made from")


def test_score_counts_singletons():
    scores = score({"a": "x", "b": "x", "c": "c"}, {"a": "g", "b": "g", "c": "h"})
    assert scores.to_dict() == {
        "articles": 3, "bcubed_precision": 1.0, "bcubed_recall": 1.0, "bcubed_f1": 1.0,
        "adjusted_rand": 1.0, "nmi": 1.0, "pairwise_precision": 1.0, "pairwise_recall": 1.0,
        "pairwise_f1": 1.0}


def test_cli_evaluate_json(tmp_path):
    gold = _write(tmp_path / "g.jsonl", [{"id": "a", "title": "A", "label": "1"},
                                         {"id": "b", "title": "B", "label": "1"},
                                         {"id": "c", "title": "C", "label": "2"}])
    pred = _write(tmp_path / "p.jsonl", [{"id": "a", "duplicates": ["b", "c"]}])
    result = runner.invoke(app, ["evaluate", pred, gold, "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["pairwise_precision"] == pytest.approx(0.3333)
    assert json.loads(result.stdout)["bcubed_recall"] == 1.0


def test_cli_evaluate_table_and_errors(tmp_path):
    gold = _write(tmp_path / "g.jsonl", [{"id": "a", "title": "A", "story": "1"}])
    pred = _write(tmp_path / "p.jsonl", [{"id": "a", "duplicates": []}])
    ok = runner.invoke(app, ["evaluate", pred, gold, "--label-field", "story"])
    assert ok.exit_code == 0
    assert "B-cubed" in ok.stdout and "NMI" in ok.stdout
    missing = runner.invoke(app, ["evaluate", pred, gold])
    assert missing.exit_code == 1
    assert missing.stderr == (f'Error: {gold}:1: missing label field "label"; pass --label-field '
                              "to choose the field holding the true cluster\n")
