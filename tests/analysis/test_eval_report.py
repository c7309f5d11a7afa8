"""The evaluation's printed report: the headline rows and Hangul-aware alignment."""

from minwon.analysis.eval_report import format_report, summary_rows
from minwon.analysis.evaluation import ClassScores, Report


def test_summary_shows_a_confidence_ceiling_below_one_only() -> None:
    report = Report("ours", 3, 1.0, 1.0, 1.0, [], [], 0.1)
    assert not any(what.startswith("신뢰도 상한") for what, _, _ in summary_rows(report, report))
    report.extra["confidence_ceiling"] = 0.685
    rows = {what: (a, b) for what, a, b in summary_rows(report, report)}
    assert rows["신뢰도 상한 (근거 20건)"] == ("0.685", "-")


def test_format_report_aligns_hangul() -> None:
    row = ClassScores("교통", 1.0, 1.0, 1.0, 3)
    report = Report("ours", 3, 1.0, 1.0, 1.0, [row], [], 0.1)
    lines = format_report(report, report).splitlines()
    assert any(line.startswith("교통") for line in lines)
    assert "없음" in format_report(report, report)
