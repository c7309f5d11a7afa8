"""The evaluation's reports as text: both routers side by side, for the command line and
``bench/results/`` (Korean headers; Hangul counts two columns when aligning)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from minwon.analysis.evaluation import Report

__all__ = ["format_markdown", "format_mixed", "format_report", "summary_rows"]


def format_report(ours: Report, baseline: Report, *, top_classes: int = 40) -> str:
    """Both reports side by side as plain text (Korean headers; Hangul-aware alignment)."""
    lines = [f"평가 건수 {ours.n:,} (시간순 분할: 이전 자료로 학습, 최근 자료로 평가)", ""]
    lines += _summary(ours, baseline)
    lines += ["", "분류별 성능 (우리 모델 정밀도 / 재현율 / F1, 기준선 F1)"]
    lines += _per_class(ours, baseline, top_classes)
    for report in (ours, baseline):
        lines += ["", f"자주 틀린 쌍 — {_title(report)} (정답 → 예측: 건수)"]
        lines += [f"  {t} → {p}: {c}" for t, p, c in report.confusions[:10]] or ["  없음"]
    return "\n".join(lines)


def _title(report: Report) -> str:
    return {"ours": "우리 모델", "baseline": "기준선"}.get(report.name, report.name)


def _summary(ours: Report, baseline: Report) -> list[str]:
    def seconds(r: Report) -> str:
        return "-" if r.train_seconds is None else f"{r.train_seconds:.1f}s"

    rows = [("", "우리 모델", "기준선 (문자 TF-IDF+LR)")]
    rows += [(name, a, b) for name, a, b in summary_rows(ours, baseline)]
    rows.append(("학습 시간", seconds(ours), seconds(baseline)))
    return [_pad(a, 26) + _pad(b, 12) + c for a, b, c in rows]


def summary_rows(ours: Report, baseline: Report) -> list[tuple[str, str, str]]:
    """The headline figures of both routers: (what, ours, baseline), ready to print.

    Top-1 (accuracy), top-3, macro-F1, then the precision among suggestions at or above the
    auto-route threshold (with how many of how many: a precision of a handful is no proof)
    and the share of voices that reach it, then the highest confidence our router's held-out
    evidence supports (when it is below 1: above it nothing routes itself, however sure the
    model), and, when the history held
    units that no longer take voices, the share of test voices suggested to one of them.
    """

    def auto(r: Report) -> str:
        if r.auto_precision is None:
            return "-"
        routed = round(r.auto_share * r.n)
        return f"{r.auto_precision:.3f} ({round(r.auto_precision * routed)}/{routed}건)"

    rows = [
        ("정확도 top-1 (accuracy)", f"{ours.accuracy:.3f}", f"{baseline.accuracy:.3f}"),
        ("top-3 정확도", f"{ours.top3_accuracy:.3f}", f"{baseline.top3_accuracy:.3f}"),
        ("macro-F1", f"{ours.macro_f1:.3f}", f"{baseline.macro_f1:.3f}"),
        (f"자동 배정 정밀도 (≥{ours.threshold:g})", auto(ours), auto(baseline)),
        ("자동 배정 비율", f"{ours.auto_share:.3f}", f"{baseline.auto_share:.3f}"),
    ]
    ceiling = ours.extra.get("confidence_ceiling", 1.0)
    if ceiling < 1.0:
        rows.append(("신뢰도 상한 (근거 20건)", f"{ceiling:.3f}", "-"))
    if ours.extra.get("closed_share") or baseline.extra.get("closed_share"):
        closed = (ours.extra.get("closed_share", 0.0), baseline.extra.get("closed_share", 0.0))
        rows.append(("폐지 부서로 제안", f"{closed[0]:.3f}", f"{closed[1]:.3f}"))
    return rows


def format_mixed(
    ours: Report,
    baseline: Report,
    *,
    added: int,
    plain: Report,
    plain_baseline: Report | None = None,
) -> str:
    """The mixed-history figures: the same test part, ``added`` voices of units that take no
    voices here (closed, merged or another office's) in the history.

    ``plain`` / ``plain_baseline`` are the reports without them, to show the change in top-1.
    """
    lines = [
        f"섞인 이력: 학습 자료에 여기서 민원을 받지 않는 부서(CLOSED-…)의 민원 {added:,}건 추가",
        "(폐지·통합된 부서나 다른 기관의 부서; 평가 자료는 같음)",
        "",
        _pad("", 26) + _pad("우리 모델", 12) + "기준선 (문자 TF-IDF+LR)",
    ]
    lines += [_pad(a, 26) + _pad(b, 12) + c for a, b, c in summary_rows(ours, baseline)]
    for name, before, after in (("우리 모델", plain, ours), ("기준선", plain_baseline, baseline)):
        if before is not None:
            lines.append(
                f"{name} top-1 변화: {before.accuracy:.3f} → {after.accuracy:.3f}"
                f" ({(after.accuracy - before.accuracy) * 100:+.1f}점)"
            )
    lines += [
        "두 모델 모두 지금 민원을 받는 부서만 제안합니다. 우리 모델은",
        "'minwon analysis train'처럼 그 부서들의 이력만 배우고"
        f" (빠진 {ours.extra.get('left_out', 0):,}건), 기준선은 모두 배웁니다.",
    ]
    return "\n".join(lines)


def format_markdown(
    runs: Sequence[tuple[str, Report, Report]], *, command: str = "", note: str = ""
) -> str:
    """A Markdown table of several runs (name, ours, baseline), for ``bench/``'s results."""
    lines = [f"`{command}`", ""] if command else []
    if note:
        lines += [note, ""]
    head = "| 평가 | 항목 | minwon | 기준선 (문자 TF-IDF 2–4 + LR) |"
    lines += [head, "|---|---|---|---|"]
    for name, ours, base in runs:
        for what, a, b in summary_rows(ours, base):
            lines.append(f"| {name} | {what} | {a} | {b} |")
    return "\n".join(lines) + "\n"


def _per_class(ours: Report, baseline: Report, limit: int) -> list[str]:
    base_f1 = {row.label: row.f1 for row in baseline.per_class}
    head = _pad("분류", 22) + _pad("건수", 7) + "정밀도  재현율  F1     기준선F1"
    lines = [head]
    for row in ours.per_class[:limit]:
        other = base_f1.get(row.label)
        lines.append(
            _pad(row.label, 22)
            + _pad(str(row.support), 7)
            + f"{row.precision:.3f}   {row.recall:.3f}   {row.f1:.3f}  "
            + ("-" if other is None else f"{other:.3f}")
        )
    return lines


def _pad(text: str, width: int) -> str:
    """Left-justify to a display width where Hangul and other wide characters count two."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - shown)
