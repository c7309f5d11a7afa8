"""Surge alerts: a place (행정동), a category or a matter word that rises well above its own
baseline this week is told to the lead of the unit that handles most of those voices, through
the outbox, once. The statistical rule is the one of ``surges`` (quoted on the alerts page)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon import leases
from minwon.analysis import surges
from minwon.analysis.models import SurgeAlert, VoiceAnalysis
from minwon.analysis.similarity import matter_terms, parse_tokens
from minwon.config import get_settings
from minwon.org import service as org_service
from minwon.org.roles import UNIT_LEAD
from minwon.outbox import service as outbox
from minwon.timeutil import as_aware, to_kst
from minwon.voices import queries

WINDOW = timedelta(days=7)
WINDOWS = 9  # the current week and the 8 before it
QUIET = timedelta(days=7)  # the same thing is not alerted again within a week
KINDS = {"place": "행정동", "category": "분류", "word": "핵심어"}


@dataclass(frozen=True)
class Found:
    """A surge with what it is about and the voices of this week behind it."""

    kind: str
    key: str
    label: str
    surge: surges.Surge
    voice_ids: list[int]
    unit_id: int | None


def _series(
    db: Session, office_id: int, now: datetime
) -> tuple[dict[Hashable, list[int]], dict[Hashable, list[int]], dict[int, int], dict]:
    start = now - WINDOWS * WINDOW
    facts = queries.facts(db_session=db, office_id=office_id, start=start, end=now)
    words = dict(
        db.execute(
            select(VoiceAnalysis.voice_id, VoiceAnalysis.tokens).where(
                VoiceAnalysis.office_id == office_id,
                VoiceAnalysis.received_at >= start,
                VoiceAnalysis.received_at < now,
            )
        ).all()
    )
    times: dict[Hashable, list[datetime]] = defaultdict(list)
    recent: dict[Hashable, list[int]] = defaultdict(list)
    names: dict[Hashable, str] = {}
    units = {f.id: f.unit_id for f in facts}
    for f in facts:
        keys: list[Hashable] = []
        if f.dong.strip():
            keys.append(("place", f.dong.strip()))
        if f.category_code:
            keys.append(("category", f.category_code))
            names[("category", f.category_code)] = f.category_name or f.category_code
        terms = matter_terms(parse_tokens(words.get(f.id, "")))
        keys.extend(("word", w) for w in terms if "/" not in w and len(w) > 1)
        at = as_aware(f.received_at)
        for key in keys:
            times[key].append(at)
            if at >= now - WINDOW:
                recent[key].append(f.id)
    series = {
        key: surges.weekly_counts(ts, end=now, windows=WINDOWS)
        for key, ts in times.items()
        if len(recent.get(key, [])) >= 5
    }
    return series, recent, units, names


def find(db: Session, *, office_id: int, now: datetime) -> list[Found]:
    """The surges of an office in the week ending at ``now`` (not yet alerted or not)."""
    series, recent, units, names = _series(db, office_id, now)
    found = []
    for s in surges.detect(series):
        kind, key = cast(tuple[str, str], s.key)  # every series key is a (kind, key) pair
        ids = recent[s.key]
        top = Counter(units[i] for i in ids if i in units).most_common(1)
        label = names.get(s.key, key)
        found.append(Found(kind, key, label, s, ids, top[0][0] if top else None))
    return found


def _alerted_lately(db: Session, office_id: int, kind: str, key: str, now: datetime) -> bool:
    query = select(SurgeAlert.id).where(
        SurgeAlert.office_id == office_id,
        SurgeAlert.kind == kind,
        SurgeAlert.key == key[:200],
        SurgeAlert.window_end > now - QUIET,
    )
    return db.scalar(query.limit(1)) is not None


def check(db: Session, *, office_id: int, now: datetime) -> list[SurgeAlert]:
    """Store and send (through the outbox, to the unit's leads) the office's new surges.

    Checks of one office take turns (the worker's hourly round, a lead's "check now"), so
    the second sees the first one's alerts and never stores a surge twice."""
    leases.serialize(db, "surges", office_id)
    new = []
    for f in find(db, office_id=office_id, now=now):
        if _alerted_lately(db, office_id, f.kind, f.key, now):
            continue
        alert = SurgeAlert(
            office_id=office_id,
            kind=f.kind,
            key=f.key[:200],
            label=f.label[:300],
            window_end=now,
            current=f.surge.current,
            baseline=f.surge.baseline,
            p_value=f.surge.p_value,
            unit_id=f.unit_id,
            voice_ids=f.voice_ids[:200],
        )
        db.add(alert)
        db.flush()
        _notify(db, alert)
        new.append(alert)
    return new


def _notify(db: Session, alert: SurgeAlert) -> None:
    if alert.unit_id is None:
        return
    leads = [
        s
        for s in org_service.unit_staff(db_session=db, unit_id=alert.unit_id)
        if s.role == UNIT_LEAD and s.email
    ]
    subject, body = message(alert, get_settings().base_url)
    for lead in leads:
        outbox.enqueue(
            db_session=db,
            recipient=lead.email,
            subject=subject,
            body=body,
            topic="surge",
            dedupe_key=f"surge:{alert.id}:{lead.id}",
        )


def message(alert: SurgeAlert, base_url: str) -> tuple[str, str]:
    """The Korean e-mail telling a unit lead about a surge, with the address of the page that
    shows it (a mail client cannot follow a path alone)."""
    kind = KINDS.get(alert.kind, alert.kind)
    until = to_kst(as_aware(alert.window_end))
    subject = f"[minwon] 민원 급증 알림: {kind} '{alert.label}' 최근 7일 {alert.current}건"
    body = (
        f"{kind} '{alert.label}' 관련 민원이 최근 7일({until:%Y-%m-%d %H:%M}까지) "
        f"{alert.current}건 접수되었습니다.\n"
        f"평소 수준(직전 최대 8주 평균)은 주 {alert.baseline:.1f}건입니다.\n"
        f"우연히 이만큼 몰릴 확률은 {alert.p_value:.2g}로 매우 낮습니다 "
        "(기준: 주 5건 이상, 평소의 2배 이상, 포아송 검정 p < 0.001).\n\n"
        "원인 분석 화면에서 해당 민원을 확인하고 필요한 조치를 검토해 주십시오: "
        f"{base_url.rstrip('/')}/analysis/surges\n"
    )
    return subject, body


def recent_alerts(db: Session, *, office_id: int | None, limit: int = 50) -> list[SurgeAlert]:
    """The office's surge alerts (every office's: ``office_id`` None), newest first."""
    query = select(SurgeAlert)
    if office_id is not None:
        query = query.where(SurgeAlert.office_id == office_id)
    query = query.order_by(SurgeAlert.window_end.desc(), SurgeAlert.id.desc()).limit(limit)
    return list(db.scalars(query))
