"""The quality section of the monthly CS report: checklists, mystery visits and calls, and
how well each unit kept its promise, as plain report data for the PDF and Excel renderers."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from minwon.org.models import Unit
from minwon.org.roles import Principal
from minwon.quality import promises, scores
from minwon.quality.defaults import STAGE_LABELS
from minwon.reports import document

RULE = (
    "준수율 = 지킨 항목 ÷ 표시한 항목 (자가 점검·동료 관찰·암행 점검). 약속 이행률은 점검표의 "
    f"'약속을 지켰다' 항목과 설문의 약속 질문으로 셉니다. 점검 {scores.MIN_CHECKS}건 미만은 "
    "'표본 적음'으로 표시합니다."
)


def _share(rate: scores.Rate) -> float | None:
    return rate.met / rate.total if rate.total else None


def monthly_section(
    db: Session,
    *,
    principal: Principal,
    office_ids: tuple[int, ...] | None,
    first: date,
    last: date,
) -> document.Quality:
    """The month's checks, most-missed items, mystery results and promises per unit."""
    overall = scores.summarize(
        db, principal=principal, first=first, last=last, office_ids=office_ids
    )
    mystery = scores.summarize(
        db, principal=principal, first=first, last=last, office_ids=office_ids, kind="mystery"
    )
    mystery_units = {r.key: r.rate for r in mystery.units}
    kept = {r.key: r.rate for r in overall.promise_units}
    units = []
    for row in overall.units:
        unit = db.get(Unit, int(row.key))
        promise = promises.current(db, unit_id=unit.id, on=last) if unit else None
        m = mystery_units.get(row.key, scores.Rate())
        p = kept.get(row.key, scores.Rate())
        units.append(
            document.QualityUnit(
                unit=row.label,
                checks=row.rate.checks,
                compliance=_share(row.rate),
                mystery=m.checks,
                mystery_compliance=_share(m),
                promise=promise.text if promise else "",
                promise_kept=_share(p),
                promise_checks=p.total,
                small=row.rate.small,
            )
        )
    return document.Quality(
        checks=overall.checks,
        compliance=_share(overall.overall),
        kinds=[document.QualityKind(r.label, r.rate.checks, _share(r.rate)) for r in overall.kinds],
        missed=[
            document.QualityItem(
                label=r.label,
                stage=STAGE_LABELS.get(r.extra, r.extra),
                missed=r.rate.total - r.rate.met,
                marked=r.rate.total,
            )
            for r in overall.missed
        ],
        units=units,
        promise_kept=_share(overall.promise),
        survey_promise=_share(overall.survey_promise),
        survey_promise_n=overall.survey_promise.total,
        basis=RULE,
    )
