"""The report's plain data: validation at construction, derived figures, immutability."""

from __future__ import annotations

import pytest
from reports.sample import sample_report

from minwon.reports.document import Cause, Deadlines, MonthlyReport, Satisfaction, Volume


def test_month_must_be_year_and_month() -> None:
    assert MonthlyReport(title="t", office="o", month="2026-03").month_label == "2026년 3월"
    for bad in ("2026-13", "2026-3", "26-03", "2026/03"):
        with pytest.raises(ValueError, match="YYYY-MM"):
            MonthlyReport(title="t", office="o", month=bad)


def test_counts_shares_and_examples_are_checked() -> None:
    with pytest.raises(ValueError, match="negative"):
        Volume(received=-1)
    with pytest.raises(ValueError, match="negative"):
        Volume(by_channel=[("전화", -3)])
    with pytest.raises(ValueError, match="exceed"):
        Deadlines(due=3, met=4)
    with pytest.raises(ValueError, match="fraction"):
        Satisfaction(response_rate=36.4)
    with pytest.raises(ValueError, match="at most 3"):
        Cause("소음", 4, None, ["a", "b", "c", "d"])


def test_share_met_and_pareto_order() -> None:
    assert Deadlines(due=402, met=381, missed=21).share_met == pytest.approx(0.9478, abs=1e-4)
    assert Deadlines().share_met is None
    report = sample_report()
    order = [c.label for c in report.causes_in_pareto_order()]
    assert order[-1] == "기타" and order[:2] == ["불법주차·단속 요청", "층간소음·야간 소음"]
    counts = [c.count for c in report.causes_in_pareto_order()[:-1]]
    assert counts == sorted(counts, reverse=True)


def test_lists_are_stored_as_tuples_so_a_report_is_immutable_and_hashable() -> None:
    report = sample_report()
    assert isinstance(report.top_causes, tuple) and isinstance(report.volume.by_channel, tuple)
    assert isinstance(report.top_causes[0].examples, tuple)
    hash(report)
    with pytest.raises(AttributeError):
        report.office = "다른 곳"  # type: ignore[misc]
    assert [d.day.day for d in report.daily] == list(range(1, 32))
    assert MonthlyReport(title="t", office="o", month="2026-01").satisfaction.is_empty
