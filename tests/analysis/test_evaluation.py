"""Evaluation: the time split, the metrics on a hand-computed example, both routers side by
side, loading petitions, the correction replay and the speed probe."""

import gzip
import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from analysis.test_classifier import HELD_OUT, _data

from minwon.analysis import evaluation
from minwon.analysis.classifier import Prediction, Router
from minwon.analysis.eval_report import format_report
from minwon.analysis.evaluation import (
    compare,
    evaluate,
    load_petitions,
    time_split,
)


class FixedRouter:
    """Returns given predictions, to check the arithmetic."""

    def __init__(self, predictions: list[Prediction]) -> None:
        self.predictions = predictions

    def predict_many(
        self,
        texts: Sequence[str],
        *,
        tokens: Sequence[list[str]] | None = None,
        allowed: object = None,
    ) -> list[Prediction]:
        return self.predictions[: len(texts)]


def _p(label: str, *others: str) -> Prediction:
    return Prediction(label, 0.5, [(o, 0.1) for o in others])


# --- the split -------------------------------------------------------------------------


def test_time_split_trains_on_the_oldest_and_tests_on_the_newest() -> None:
    items = [{"id": i, "begin": f"2020-01-{day:02d}"} for i, day in enumerate([5, 1, 3, 2, 4])]
    train, test = time_split(items, "begin", train_share=0.8)
    assert [r["begin"] for r in train] == ["2020-01-01", "2020-01-02", "2020-01-03", "2020-01-04"]
    assert [r["begin"] for r in test] == ["2020-01-05"]
    same_train, _ = time_split(items, key=lambda r: r["begin"])
    assert same_train == train


def test_time_split_is_stable_for_equal_times() -> None:
    items = [("2020-01-01", n) for n in range(10)]
    train, test = time_split(items, key=lambda r: r[0], train_share=0.5)
    assert [n for _, n in train] == [0, 1, 2, 3, 4] and [n for _, n in test] == [5, 6, 7, 8, 9]


@pytest.mark.parametrize("share", [0, 1, 1.5, -0.2])
def test_time_split_refuses_a_bad_share(share: float) -> None:
    with pytest.raises(ValueError, match="train_share"):
        time_split([1, 2, 3], key=lambda x: x, train_share=share)


# --- the metrics -----------------------------------------------------------------------


def test_metrics_on_a_hand_computed_example() -> None:
    truth = ["A", "A", "B", "B", "C"]
    router = FixedRouter([_p("A", "C"), _p("B", "A"), _p("B"), _p("B"), _p("A", "B")])
    report = evaluate(router, ["t"] * 5, truth, name="x")
    # A: tp 1, fp 1, fn 1 -> P .5 R .5 F1 .5 ; B: tp 2, fp 1 -> P 2/3 R 1 F1 .8 ; C: F1 0
    assert report.accuracy == pytest.approx(3 / 5)
    assert report.macro_f1 == pytest.approx((0.5 + 0.8 + 0.0) / 3)
    assert report.top3_accuracy == pytest.approx(4 / 5)  # the 5th has C nowhere in its top 3
    rows = {r.label: r for r in report.per_class}
    assert (rows["A"].precision, rows["A"].recall, rows["A"].f1) == pytest.approx((0.5, 0.5, 0.5))
    assert (rows["B"].precision, rows["B"].recall) == pytest.approx((2 / 3, 1.0))
    assert rows["B"].f1 == pytest.approx(0.8)
    assert (rows["C"].f1, rows["C"].support) == (0.0, 1)
    assert sorted(report.confusions) == [("A", "B", 1), ("C", "A", 1)]
    assert report.n == 5 and report.name == "x"


def test_top3_counts_the_first_two_alternatives_only() -> None:
    truth = ["A", "B", "C"]
    router = FixedRouter([_p("X", "Y", "Z", "A"), _p("X", "Y", "B"), _p("C")])
    report = evaluate(router, ["t"] * 3, truth)
    assert report.top3_accuracy == pytest.approx(2 / 3)  # A is only 4th
    assert report.accuracy == pytest.approx(1 / 3)


def test_a_label_only_ever_predicted_counts_in_macro_f1() -> None:
    report = evaluate(FixedRouter([_p("A"), _p("Z")]), ["t", "t"], ["A", "A"])
    assert report.macro_f1 == pytest.approx((2 / 3 + 0.0) / 2)  # A: P 1 R .5; Z: 0


def test_evaluate_refuses_mismatched_input() -> None:
    with pytest.raises(ValueError, match="as many labels"):
        evaluate(FixedRouter([]), ["a", "b"], ["A"])
    with pytest.raises(ValueError, match="as many labels"):
        evaluate(FixedRouter([]), [], [])


# --- routers side by side --------------------------------------------------------------


def test_compare_and_format_report_side_by_side() -> None:
    texts, labels = _data()
    train = list(zip(texts, labels, strict=True))
    ours, base = compare(train, HELD_OUT)
    assert ours.name == "ours" and base.name == "baseline"
    assert ours.n == base.n == len(HELD_OUT)
    assert ours.accuracy >= 0.9
    assert ours.train_seconds is not None and ours.extra["tokenize_seconds"] >= 0
    assert 0 < ours.extra["confidence_ceiling"] <= 1
    text = format_report(ours, base)
    for header in ("정확도", "macro-F1", "top-3", "우리 모델", "기준선", "분류별", "자주 틀린 쌍"):
        assert header in text
    assert f"{ours.accuracy:.3f}" in text and f"{base.macro_f1:.3f}" in text
    assert "생활불편" in text


def test_compare_takes_dict_items_with_a_label_field() -> None:
    texts, labels = _data()
    rows = [{"title": t, "content": "", "unit": u} for t, u in zip(texts, labels, strict=True)]
    test = [{"text": t, "unit": u} for t, u in HELD_OUT]
    ours, _ = compare(rows, test, label="unit")
    assert ours.accuracy >= 0.9
    with pytest.raises(ValueError, match="item 1: no 'category' label"):
        compare(rows, test)


def test_compare_with_allowed_units_suggests_and_learns_only_those() -> None:
    texts, labels = _data()
    closed = [(t, "CLOSED-" + label) for t, label in zip(texts, labels, strict=True)]
    train = closed + list(zip(texts, labels, strict=True))
    allowed = set(labels)
    ours, base = compare(train, HELD_OUT, allowed=allowed)
    assert ours.extra["left_out"] == len(closed)
    assert ours.extra["closed_share"] == 0 and base.extra["closed_share"] == 0
    assert {row.label for row in ours.per_class} <= allowed
    assert ours.accuracy >= 0.9


# --- data ------------------------------------------------------------------------------


def test_load_petitions_reads_jsonl_gz_and_names_a_bad_line(tmp_path: Path) -> None:
    good = tmp_path / "p.jsonl.gz"
    with gzip.open(good, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"title": "가로등", "category": "생활"}, ensure_ascii=False) + "\n\n")
    assert load_petitions(good) == [{"title": "가로등", "category": "생활"}]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"a": 1}\n{broken\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.jsonl:2: not JSON"):
        load_petitions(bad)
    bad.write_text("[1, 2]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected a JSON object"):
        load_petitions(bad)


def test_petition_text_joins_title_and_content() -> None:
    assert evaluation.petition_text({"title": "제목", "content": "내용"}) == "제목\n내용"
    assert evaluation.petition_text({"text": "본문"}) == "본문"


# --- corrections and speed -------------------------------------------------------------


def test_replay_corrections_leaves_the_router_alone() -> None:
    texts, labels = _data()
    router = Router().train(texts, labels)
    before = router.predict_many([t for t, _ in HELD_OUT])
    stream = [("버스 정류장 의자가 부서졌어요", "생활불편")] * 45 + HELD_OUT
    replay = evaluation.replay_corrections(router, [t for t, _ in stream], [u for _, u in stream])
    assert replay.n == len(stream)
    assert replay.accuracy_learning > replay.accuracy_frozen  # the repeated matter is learnt
    assert 0 < replay.corrections < 45
    assert router.predict_many([t for t, _ in HELD_OUT]) == before


def test_measure_speed_reports_positive_figures() -> None:
    texts, labels = _data()
    router = Router().train(texts, labels)
    speed = evaluation.measure_speed(router, texts[:20])
    assert 0 < speed.predict_ms_median <= speed.predict_ms_p95
    assert speed.with_tokenize_ms_median > speed.predict_ms_median
    assert speed.kiwi_texts_per_s > 0 and speed.content_tokens_texts_per_s > 0
