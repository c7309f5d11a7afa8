"""Dashboards and rankings at national scale (issue 4): response time of the dashboard, score,
ranking and monthly-report requests at 10M voices and 1M survey responses, and the cost of
keeping the rollups current per 1,000 new voices.

    .venv/bin/python bench/dashboard.py --engine both --quick     # smoke run, ~1/100 scale
    .venv/bin/python bench/dashboard.py --engine both              # 10M voices, 1M responses
    .venv/bin/python bench/dashboard.py --engine sqlite --requests 300 --rounds 3 --rebuild

1. **Data.** minwon's schema (``minwon.migrate.upgrade``), a national organisation made with
   minwon's own services — 250 offices × 6 units (the first is the front desk), 20 categories —
   then unit officers (5–8 per unit), a CS manager per office, an HQ analyst and an admin by bulk
   insert (no passwords: tokens only). The rollup tables ``rollup_voice_day`` and
   ``rollup_survey_day`` are then filled directly with what one year (365 KST days up to the
   build day) of 10,000,000 voices and 1,000,000 survey responses gives under minwon's own
   counting rules (``minwon.reports.rollups``): voices drawn per office (log-normal office sizes)
   and day (weekends and Korean holidays quieter), unit, category (Zipf, two favourite
   categories per unit, 4% uncategorised) and channel; 3% transferred (out of one unit, in at
   another); answered after a gamma-distributed lag (late past 9 or 19 calendar days), 70% of
   answers closed and 1% reopened (counted on the answer day, as the rollups do); survey
   invitations after about a third of the answers, a response to ~30% of them a few days later,
   8% of the responses from the counter kiosk; CSAT and NPS from office, unit and officer
   effects, lower after a late answer. Only the (unit, category, channel[, officer]) groups
   that occur on a day become rows — the counts are reported. The month and all-office rollup
   tables are then derived from the day rows (``minwon.reports.rollups.rebuild_derived``, what
   migration 0007 does for an existing database). SQLite: Core ``insert`` batches;
   PostgreSQL: ``COPY`` and ``VACUUM ANALYZE``. Cached: ``bench/.cache/dashboard-<scale>.db``
   and the database ``minwon_bench_dash[_quick]``, reused while the generator and scale match.
2. **Requests** through the real app, built as ``minwon serve`` builds it (``create_app``, then
   ``minwon.web.heap.settle``; ``--no-settle`` leaves that out) in a ``TestClient``, one at a time,
   bearer tokens): ``/dashboard`` as the CS manager of the biggest office and as HQ, for the
   last full month and for the year; the page's charts (``/dashboard/charts/<name>.svg``),
   drawn afresh each time (minwon's chart caches emptied first: the first view after the
   rollups changed) and kept (the daily one, as a second view gets it);
   ``/api/v1/surveys/scores`` by unit (office) and by office
   (HQ); ``/api/v1/surveys/rankings`` by office (HQ) and by unit (office) for the year;
   ``/reports/monthly?format=xlsx`` for the office. Every case is timed in ``--rounds``
   rounds (cases interleaved, so load on the shared machine hits all of them), each after a
   few warm-ups; figures are the median and p95 over all timed requests, with the p95 of each
   round to show the spread. Each case is then replayed once with a statement timer (statement
   count, database time, the slowest statement and its plan) and under cProfile.
3. **Rollup cost.** On a copy of the populated database: ``--rollup-runs`` times, 1,000 new
   voices through ``minwon.voices.service.create`` spread over the offices (by size), 3%
   transferred, 60% assigned, answered and approved (40% of those closed, 1% reopened), a survey
   invitation after half the answers and a response to a third of those (``invite_after_answer``,
   ``responses.submit``); then ``minwon.reports.rollups.update(engine)`` is timed.

Results print as tables and go to ``bench/results/dashboard-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import random
import re
import shutil
import sqlite3
import statistics
import sys
import time
import warnings
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import holidays  # noqa: E402
import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from sqlalchemy import Engine, create_engine, event, select, text  # noqa: E402

from bench.common import (  # noqa: E402
    CACHE,
    PG_ADMIN_URL,
    RESULTS,
    explain,
    log,
    pg_database_exists,
    pg_reachable,
    pg_url,
    recreate_pg_database,
    remove_sqlite,
    summarize_ms,
)
from minwon import migrate  # noqa: E402
from minwon.db import make_engine, write_session  # noqa: E402
from minwon.org import service as org  # noqa: E402
from minwon.org.models import Category, Office, Staff, Unit  # noqa: E402
from minwon.reports import cuboids, rollups  # noqa: E402
from minwon.reports.models import SurveyDay, VoiceDay  # noqa: E402
from minwon.timeutil import to_kst, utcnow  # noqa: E402
from minwon.voices.catalog import CHANNELS  # noqa: E402

console = Console(highlight=False, width=160)
GENERATOR_VERSION = 2  # 2: answered invitations on the invitation row, uninvited_responses
SEED = 20261124
AIM_MS = 150.0
ORG_CODE = "NATION"
PG_DB = "minwon_bench_dash"
HQ_LOGIN = "hq"

CHANNEL_SHARES = {
    "visit": 0.18,
    "phone": 0.34,
    "web": 0.26,
    "card": 0.04,
    "mailbox": 0.04,
    "outreach": 0.04,
    "email": 0.08,
    "open311": 0.02,
}
assert set(CHANNEL_SHARES) == set(CHANNELS), "give every channel of minwon a share"
CHANNEL_CODES = list(CHANNELS)
CHANNEL_WEIGHTS = [CHANNEL_SHARES[c] for c in CHANNEL_CODES]
CATEGORY_NAMES = [
    "교통", "순찰·치안", "생활소음", "안전·환경", "주차", "불법광고물", "도로·시설", "청소·위생",
    "복지", "세무", "건축", "토지·보상", "공원·녹지", "상하수도", "여권·민원서류", "직원 응대",
    "가정폭력·상담", "유실물", "교육", "기타",
]  # fmt: skip
REGIONS = [
    "서울", "부산", "대구", "인천", "광주", "대전", "울산", "세종", "경기", "강원", "충북",
    "충남", "전북", "전남", "경북", "경남", "제주",
]  # fmt: skip
UNIT_NAMES = ["민원실", "생활안전팀", "교통팀", "수사팀", "지구대", "파출소"]
SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = ["민준", "서연", "도윤", "지우", "하준", "서윤", "은우", "지민", "현우", "수아", "태윤"]

VOICE_COLS = [
    "office_id", "day", "unit_id", "category_id", "channel", "received", "answered", "on_time",
    "late", "answer_hours", "closed", "reopened", "transferred_out",
]  # fmt: skip
SURVEY_COLS = [
    "office_id", "day", "unit_id", "officer_id", "category_id", "channel", "invitations",
    "responses", "invited_responses", "uninvited_responses", "csat_n", "csat_sum", "csat_sq",
    "top2", "nps_n", "nps_sum", "promoters", "detractors",
]  # fmt: skip
VOICE_FLOAT = {"answer_hours"}
SURVEY_FLOAT = {"csat_sum", "csat_sq", "nps_sum"}


@dataclass(frozen=True)
class Scale:
    """How big the national database is."""

    name: str
    voices: int
    responses: int
    offices: int
    units_per_office: int = 6
    categories: int = 20
    days: int = 365


FULL = Scale("full", 10_000_000, 1_000_000, 250)
QUICK = Scale("quick", 100_000, 10_000, 25)


# --- the organisation ------------------------------------------------------------------------


@dataclass
class World:
    """Ids of the organisation, in the order the generator uses them."""

    org_id: int
    offices: list[tuple[int, str]]  # (id, code) in office order
    units: dict[int, list[tuple[int, str]]]  # office id -> [(unit id, code)], front desk first
    officers: dict[int, list[tuple[int, str]]]  # unit id -> [(staff id, login)] by id
    categories: list[tuple[int, str]]  # (id, code)
    cs_managers: dict[int, int]  # office id -> staff id


def _person(i: int) -> str:
    return SURNAMES[i % len(SURNAMES)] + GIVEN[(i // len(SURNAMES)) % len(GIVEN)]


def build_org(engine: Engine, scale: Scale) -> None:
    """Organisation, offices, units and categories through minwon's services; staff in bulk."""
    rng = random.Random(SEED)
    with write_session(engine) as db:
        o = org.create_organization(db_session=db, code=ORG_CODE, name="전국 민원 기관")
        for c, name in enumerate(CATEGORY_NAMES[: scale.categories], 1):
            org.create_category(db_session=db, organization=o, code=f"C{c:02d}", name=name)
        for i in range(scale.offices):
            region = REGIONS[i % len(REGIONS)]
            office = org.create_office(
                db_session=db, organization=o, code=f"K{i:03d}",
                name=f"{region} {i // len(REGIONS) + 1}지사",
            )  # fmt: skip
            for j in range(scale.units_per_office):
                org.create_unit(
                    db_session=db, office=office, code=f"K{i:03d}U{j}",
                    name=f"{region}{i // len(REGIONS) + 1} {UNIT_NAMES[j % len(UNIT_NAMES)]}",
                    is_front_desk=j == 0,
                )  # fmt: skip
        from minwon.surveys import templates

        templates.ensure_defaults(db_session=db, organization_id=o.id)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    with write_session(engine) as db:
        units = db.execute(select(Unit.id, Unit.code, Unit.office_id).order_by(Unit.id)).all()
        offices = db.execute(select(Office.id, Office.code).order_by(Office.id)).all()
    person = 0
    for unit_id, code, office_id in units:
        for k in range(rng.randint(5, 8)):
            role = "unit_lead" if k == 0 else "officer"
            rows.append(
                _staff(f"{code.lower()}_{k}", _person(person), role, office_id, unit_id, now)
            )
            person += 1
    for office_id, code in offices:
        rows.append(_staff(f"cs_{code.lower()}", f"CS {code}", "cs_manager", office_id, None, now))
    rows.append(_staff(HQ_LOGIN, "본사 분석", "hq_analyst", None, None, now))
    rows.append(_staff("admin", "관리자", "admin", None, None, now))
    with engine.begin() as conn:
        conn.execute(Staff.__table__.insert(), rows)


def _staff(login: str, name: str, role: str, office_id: Any, unit_id: Any, now: Any) -> dict:
    return {
        "login": login, "name": name, "email": "", "role": role, "office_id": office_id,
        "unit_id": unit_id, "password_hash": "", "active": True, "language": "ko",
        "created_at": now,
    }  # fmt: skip


def load_world(engine: Engine) -> World:
    """The ids of the organisation in a built database."""
    with write_session(engine) as db:
        offices = [
            (i, c) for i, c in db.execute(select(Office.id, Office.code).order_by(Office.id))
        ]
        units: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for uid, code, oid in db.execute(
            select(Unit.id, Unit.code, Unit.office_id).order_by(Unit.id)
        ):
            units[oid].append((uid, code))
        officers: dict[int, list[tuple[int, str]]] = defaultdict(list)
        cs: dict[int, int] = {}
        for sid, login, role, oid, uid in db.execute(
            select(Staff.id, Staff.login, Staff.role, Staff.office_id, Staff.unit_id).order_by(
                Staff.id
            )
        ):
            if uid is not None and role in ("officer", "unit_lead"):
                officers[uid].append((sid, login))
            if role == "cs_manager":
                cs[oid] = sid
        cats = [
            (i, c) for i, c in db.execute(select(Category.id, Category.code).order_by(Category.id))
        ]
        org_id = org.find_organization(db_session=db, ref=ORG_CODE).id
    return World(org_id, offices, dict(units), dict(officers), cats, cs)


# --- the rollup rows -------------------------------------------------------------------------


@dataclass
class Plan:
    """Everything random about the organisation that does not depend on a single voice."""

    scale: Scale
    first_day: date
    day_p: np.ndarray
    office_w: np.ndarray
    voices: np.ndarray  # per office
    quality: np.ndarray  # per office, CSAT offset
    speed: np.ndarray  # per office, answer-lag factor
    response_rate: np.ndarray  # per office

    @property
    def days(self) -> list[date]:
        """The KST days of the year of data."""
        return [self.first_day + timedelta(days=d) for d in range(self.scale.days)]


def make_plan(scale: Scale, last_day: date) -> Plan:
    """Office sizes and qualities, day weights (weekends and holidays quieter)."""
    rng = np.random.default_rng(SEED)
    first = last_day - timedelta(days=scale.days - 1)
    kr = set(holidays.KR(years=range(first.year, last_day.year + 1)))
    weights = []
    for d in range(scale.days):
        day = first + timedelta(days=d)
        w = 1.0 if day.weekday() < 5 else 0.35
        if day in kr:
            w = 0.3
        weights.append(w * (1 + 0.1 * np.sin(2 * np.pi * d / 365)))
    day_p = np.array(weights) / sum(weights)
    office_w = rng.lognormal(0.0, 0.8, scale.offices)
    office_w /= office_w.sum()
    return Plan(
        scale=scale,
        first_day=first,
        day_p=day_p,
        office_w=office_w,
        voices=rng.multinomial(scale.voices, office_w),
        quality=rng.normal(0.0, 0.2, scale.offices),
        speed=rng.lognormal(0.0, 0.25, scale.offices),
        response_rate=np.clip(rng.normal(0.3, 0.07, scale.offices), 0.1, 0.6),
    )


def _group(keys: np.ndarray, measures: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys (sorted) and the column sums of ``measures`` per key."""
    uniq, inv = np.unique(keys, return_inverse=True)
    sums = np.stack(
        [
            np.bincount(inv, weights=measures[:, j], minlength=len(uniq))
            for j in range(measures.shape[1])
        ],
        axis=1,
    )
    return uniq, sums


def office_rows(plan: Plan, world: World, index: int) -> tuple[list[tuple], list[tuple]]:
    """The rollup rows (voice day, survey day) of one office for the year."""
    scale = plan.scale
    rng = np.random.default_rng([SEED, index])
    office_id = world.offices[index][0]
    unit_ids = [u for u, _ in world.units[office_id]]
    n_units, n_days, n_cats, n_ch = len(unit_ids), scale.days, scale.categories, len(CHANNEL_CODES)
    n = int(plan.voices[index])
    # --- voices: day, unit, category, channel
    rday = np.repeat(np.arange(n_days), rng.multinomial(n, plan.day_p))
    unit_p = np.sort(rng.dirichlet([4.0, 3.0, 2.0, 1.5, 1.0, 0.8][:n_units]))[::-1]
    unit = rng.choice(n_units, size=n, p=unit_p)
    zipf = 1.0 / np.arange(1, n_cats + 1)
    cat = np.zeros(n, dtype=np.int64)
    for u in range(n_units):
        p = zipf.copy()
        p[rng.choice(n_cats, 2, replace=False)] += 0.6 * zipf.sum()
        p = np.concatenate([[0.04], 0.96 * p / p.sum()])
        mask = unit == u
        cat[mask] = rng.choice(n_cats + 1, size=int(mask.sum()), p=p)
    ch_p = np.array(CHANNEL_WEIGHTS) * rng.lognormal(0, 0.3, n_ch)
    ch = rng.choice(n_ch, size=n, p=ch_p / ch_p.sum())
    moved = rng.random(n) < 0.03
    new_unit = (unit + rng.integers(1, n_units, n)) % n_units
    handling = np.where(moved, new_unit, unit)
    lag = rng.gamma(2.0, 2.2, n) * plan.speed[index]
    aday = rday + np.floor(lag).astype(np.int64)
    answered = (aday < n_days) & (rng.random(n) > 0.005)
    due = np.where(rng.random(n) < 0.7, 9.0, 19.0)
    late = answered & (lag > due)
    closed = answered & (rng.random(n) < 0.7)
    reopened = answered & (rng.random(n) < 0.01)

    def vkey(day: np.ndarray, u: np.ndarray, c: np.ndarray, h: np.ndarray) -> np.ndarray:
        return ((day * n_units + u) * (n_cats + 1) + c) * n_ch + h

    # columns: received answered on_time late answer_hours closed reopened transferred_out
    parts_k, parts_m = [], []
    rec = np.zeros((n, 8))
    rec[:, 0] = 1
    parts_k.append(vkey(rday, unit, cat, ch))
    parts_m.append(rec)
    mv = np.flatnonzero(moved)
    out = np.zeros((len(mv), 8))
    out[:, 7] = 1
    parts_k.append(vkey(rday[mv], unit[mv], cat[mv], ch[mv]))
    parts_m.append(out)
    copy = np.zeros((len(mv), 8))
    copy[:, 0] = 1
    parts_k.append(vkey(rday[mv], new_unit[mv], cat[mv], ch[mv]))
    parts_m.append(copy)
    an = np.flatnonzero(answered)
    ans = np.zeros((len(an), 8))
    ans[:, 1] = 1
    ans[:, 2] = ~late[an]
    ans[:, 3] = late[an]
    ans[:, 4] = lag[an] * 24
    ans[:, 5] = closed[an]
    ans[:, 6] = reopened[an]
    parts_k.append(vkey(aday[an], handling[an], cat[an], ch[an]))
    parts_m.append(ans)
    keys, sums = _group(np.concatenate(parts_k), np.concatenate(parts_m))
    days = plan.days
    cat_ids = [0] + [c for c, _ in world.categories]
    h = keys % n_ch
    rest = keys // n_ch
    c = rest % (n_cats + 1)
    rest //= n_cats + 1
    u = rest % n_units
    d = rest // n_units
    ints = sums.round().astype(np.int64)
    voice_rows = [
        (office_id, days[dd], unit_ids[uu], cat_ids[cc], CHANNEL_CODES[hh],
         r, a, on, lt, hours, cl, ro, to)
        for dd, uu, cc, hh, (r, a, on, lt, _h, cl, ro, to), hours in zip(
            d.tolist(), u.tolist(), c.tolist(), h.tolist(), ints.tolist(),
            sums[:, 4].tolist(), strict=True,
        )
    ]  # fmt: skip
    # --- surveys: officers of each unit (0 = none), invitations after answers, responses
    off_ids = [0]
    off_local: list[np.ndarray] = []
    off_p: list[np.ndarray] = []
    for uid in unit_ids:
        staff = [s for s, _ in world.officers.get(uid, [])]
        off_local.append(np.arange(len(off_ids), len(off_ids) + len(staff)))
        off_ids.extend(staff)
        off_p.append(rng.dirichlet([2.0] * len(staff)))
    n_off = len(off_ids)
    unit_q = rng.normal(0, 0.15, n_units)
    officer_q = rng.normal(0, 0.2, n_off)
    officer = np.zeros(n, dtype=np.int64)
    for uu in range(n_units):
        mask = handling == uu
        officer[mask] = rng.choice(off_local[uu], size=int(mask.sum()), p=off_p[uu])
    target = scale.responses * 0.92 * plan.office_w[index]
    rate = plan.response_rate[index]
    p_inv = min(1.0, target / max(rate * len(an), 1))
    inv = answered & (rng.random(n) < p_inv)
    resp = inv & (rng.random(n) < rate)
    sday = aday + rng.geometric(0.45, n) - 1
    resp &= sday < n_days

    def skey(day: np.ndarray, u: np.ndarray, o: np.ndarray, c: np.ndarray, h: np.ndarray):
        return (((day * n_units + u) * n_off + o) * (n_cats + 1) + c) * n_ch + h

    def answers(m: int, base: np.ndarray) -> np.ndarray:
        csat = np.clip(np.rint(4.0 + base + rng.normal(0, 0.85, m)), 1, 5)
        nps = np.clip(np.rint(2 * csat - 0.3 + rng.normal(0, 1.4, m)), 0, 10)
        out = np.zeros((m, 12))
        out[:, 1] = 1  # responses
        out[:, 4], out[:, 5], out[:, 6], out[:, 7] = 1, csat, csat * csat, csat >= 4
        out[:, 8], out[:, 9], out[:, 10], out[:, 11] = 1, nps, nps >= 9, nps <= 6
        return out

    # columns: invitations responses invited_responses uninvited_responses csat_n csat_sum
    #          csat_sq top2 nps_n nps_sum promoters detractors; an answered invitation counts
    #          on its invitation's row (the answer day is later), kiosk answers apart
    iv = np.flatnonzero(inv)
    inv_m = np.zeros((len(iv), 12))
    inv_m[:, 0] = 1
    rs = np.flatnonzero(resp)
    q = plan.quality[index] + unit_q[handling[rs]] + officer_q[officer[rs]] - 0.5 * late[rs]
    resp_m = answers(len(rs), q)
    answered_m = np.zeros((len(rs), 12))
    answered_m[:, 2] = 1
    n_kiosk = int(round(scale.responses * 0.08 * plan.office_w[index]))
    kday = np.repeat(np.arange(n_days), rng.multinomial(n_kiosk, plan.day_p))
    kiosk_m = answers(n_kiosk, plan.quality[index] + unit_q[0] + np.zeros(n_kiosk))
    kiosk_m[:, 3] = 1
    zeros = np.zeros(n_kiosk, dtype=np.int64)
    keys, sums = _group(
        np.concatenate([
            skey(aday[iv], handling[iv], officer[iv], cat[iv], ch[iv]),
            skey(sday[rs], handling[rs], officer[rs], cat[rs], ch[rs]),
            skey(aday[rs], handling[rs], officer[rs], cat[rs], ch[rs]),
            skey(kday, zeros, zeros, zeros, zeros + CHANNEL_CODES.index("visit")),
        ]),
        np.concatenate([inv_m, resp_m, answered_m, kiosk_m]),
    )  # fmt: skip
    h = keys % n_ch
    rest = keys // n_ch
    c = rest % (n_cats + 1)
    rest //= n_cats + 1
    o = rest % n_off
    rest //= n_off
    u = rest % n_units
    d = rest // n_units
    ints = sums.round().astype(np.int64).tolist()
    survey_rows = [
        (office_id, days[dd], unit_ids[uu], off_ids[oo], cat_ids[cc], CHANNEL_CODES[hh],
         i[0], i[1], i[2], i[3], i[4], f[5], f[6], i[7], i[8], f[9], i[10], i[11])
        for dd, uu, oo, cc, hh, i, f in zip(
            d.tolist(), u.tolist(), o.tolist(), c.tolist(), h.tolist(), ints, sums.tolist(),
            strict=True,
        )
    ]  # fmt: skip
    return voice_rows, survey_rows


# --- building and caching --------------------------------------------------------------------


@dataclass
class Built:
    """A national database ready to be measured."""

    engine_name: str
    url: str
    meta: dict[str, Any]
    reused: bool


def _sqlite_path(scale: Scale) -> Path:
    return CACHE / f"dashboard-{scale.name}.db"


def _meta_path(engine_name: str, scale: Scale) -> Path:
    return CACHE / f"dashboard-{engine_name}-{scale.name}.json"


def _pg_name(scale: Scale) -> str:
    return PG_DB if scale.name == "full" else f"{PG_DB}_{scale.name}"


def _meta_key(scale: Scale) -> dict[str, Any]:
    return {"version": GENERATOR_VERSION, "seed": SEED, "scale": asdict(scale)}


def ensure_built(engine_name: str, scale: Scale, rebuild: bool) -> Built:
    """The cached national database of ``scale``, built when missing or stale."""
    meta_path = _meta_path(engine_name, scale)
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if engine_name == "sqlite":
        path = _sqlite_path(scale)
        url = f"sqlite:///{path}"
        exists = path.exists()
    else:
        url = pg_url(_pg_name(scale))
        exists = pg_database_exists(_pg_name(scale))
    if not rebuild and exists and meta.get("key") == _meta_key(scale):
        migrate.upgrade(url)
        drift = schema_drift(url)
        if not drift:
            if not set(DERIVED) <= set(meta["rows"]):  # built before migration 0007 filled them
                meta["rows"].update(_count_rows(url, DERIVED))
                meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False))
            log(f"\\[{engine_name}] reusing the cached {scale.name} database ({meta['rows']})")
            return Built(engine_name, url, meta, True)
        log(
            f"\\[{engine_name}] the cached database lacks columns the models have "
            f"({', '.join(drift[:5])}): a migration changed after it was built; rebuilding"
        )
    meta_path.unlink(missing_ok=True)
    log(f"\\[{engine_name}] building the {scale.name} national database")
    started = time.perf_counter()
    if engine_name == "sqlite":
        CACHE.mkdir(parents=True, exist_ok=True)
        remove_sqlite(path)
    else:
        recreate_pg_database(_pg_name(scale))
    migrate.upgrade(url)
    engine = make_engine(url)
    build_org(engine, scale)
    world = load_world(engine)
    org_seconds = time.perf_counter() - started
    log(f"  \\[{engine_name}] organisation in {org_seconds:.1f}s: {len(world.offices)} offices, "
        f"{sum(len(v) for v in world.units.values())} units, "
        f"{sum(len(v) for v in world.officers.values())} unit staff")  # fmt: skip
    last_day = to_kst(utcnow()).date()
    plan = make_plan(scale, last_day)
    counts = _load_rollups(engine, engine_name, plan, world)
    derive_started = time.perf_counter()
    derived = rollups.rebuild_derived(engine)
    if engine_name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("ANALYZE")
    derive_seconds = round(time.perf_counter() - derive_started, 1)
    log(f"  \\[{engine_name}] month and all-office rollups from the day rows in "
        f"{derive_seconds:.0f}s: {derived}")  # fmt: skip
    engine.dispose()
    biggest = int(np.argmax(plan.voices))
    meta = {
        "key": _meta_key(scale),
        "first_day": plan.first_day.isoformat(),
        "last_day": last_day.isoformat(),
        "rows": {
            "rollup_voice_day": counts["voice_rows"],
            "rollup_survey_day": counts["survey_rows"],
            **derived,
        },
        "derive_seconds": derive_seconds,
        "totals": {k: v for k, v in counts.items() if not k.endswith("_rows")},
        "office_code": world.offices[biggest][1],
        "office_voices": int(plan.voices[biggest]),
        "median_office_voices": int(np.median(plan.voices)),
        "organisation": {
            "offices": len(world.offices),
            "units": sum(len(v) for v in world.units.values()),
            "unit_staff": sum(len(v) for v in world.officers.values()),
            "categories": len(world.categories),
        },
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False))
    log(f"\\[{engine_name}] built in {meta['build_seconds']:.0f}s: {meta['rows']}")
    return Built(engine_name, url, meta, False)


DERIVED = tuple(
    c.model.__tablename__ for f in (cuboids.VOICE, cuboids.SURVEY) for c in cuboids.of_family(f)[1:]
)


def _count_rows(url: str, tables: tuple[str, ...]) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            return {t: int(c.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar()) for t in tables}
    finally:
        engine.dispose()


def schema_drift(url: str) -> list[str]:
    """Columns minwon's models have that the database lacks (``table.column``)."""
    from sqlalchemy import inspect

    from minwon.models import Base  # imports every domain's tables

    engine = make_engine(url)
    try:
        insp = inspect(engine)
        tables = set(insp.get_table_names())
        missing = []
        for tab in Base.metadata.sorted_tables:
            if tab.name in tables:
                have = {c["name"] for c in insp.get_columns(tab.name)}
                missing += [f"{tab.name}.{c.name}" for c in tab.columns if c.name not in have]
        return missing
    finally:
        engine.dispose()


def src_digest() -> str:
    """A digest of minwon's source files, to tie figures to the code they measured."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((ROOT / "src" / "minwon").rglob("*")):
        if path.is_file() and path.suffix in (".py", ".html"):
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _load_rollups(engine: Engine, engine_name: str, plan: Plan, world: World) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    started = time.perf_counter()
    raw = engine.raw_connection() if engine_name == "postgresql" else None
    conn = engine.connect() if engine_name == "sqlite" else None
    try:
        if conn is not None:
            conn.connection.driver_connection.execute("PRAGMA synchronous=OFF")
        for i in range(len(world.offices)):
            voice_rows, survey_rows = office_rows(plan, world, i)
            totals["voice_rows"] += len(voice_rows)
            totals["survey_rows"] += len(survey_rows)
            totals["received"] += sum(r[5] for r in voice_rows)
            totals["answered"] += sum(r[6] for r in voice_rows)
            totals["transferred_out"] += sum(r[12] for r in voice_rows)
            totals["invitations"] += sum(r[6] for r in survey_rows)
            totals["responses"] += sum(r[7] for r in survey_rows)
            if conn is not None:
                for tab, cols, rows in (
                    (VoiceDay.__table__, VOICE_COLS, voice_rows),
                    (SurveyDay.__table__, SURVEY_COLS, survey_rows),
                ):
                    for s in range(0, len(rows), 10_000):
                        batch = [dict(zip(cols, r, strict=True)) for r in rows[s : s + 10_000]]
                        conn.execute(tab.insert(), batch)
                conn.commit()
            else:
                pg = raw.driver_connection
                with pg.cursor() as cur:
                    for tab, cols, rows in (
                        ("rollup_voice_day", VOICE_COLS, voice_rows),
                        ("rollup_survey_day", SURVEY_COLS, survey_rows),
                    ):
                        with cur.copy(f"COPY {tab} ({', '.join(cols)}) FROM STDIN") as cp:
                            for r in rows:
                                cp.write_row(r)
                pg.commit()
            if (i + 1) % max(1, len(world.offices) // 10) == 0:
                log(f"  \\[{engine_name}] {i + 1}/{len(world.offices)} offices, "
                    f"{totals['voice_rows']:,} voice-day + {totals['survey_rows']:,} survey-day "
                    f"rows, {time.perf_counter() - started:.0f}s")  # fmt: skip
    finally:
        if conn is not None:
            conn.rollback()
            conn.connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.close()
        if raw is not None:
            raw.close()
    if engine_name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            log(f"  \\[{engine_name}] VACUUM ANALYZE")
            c.exec_driver_sql("VACUUM ANALYZE")
    return dict(totals)


# --- requests --------------------------------------------------------------------------------


@dataclass
class Case:
    """One request to time."""

    name: str
    caller: str  # "office" | "hq"
    path: str
    params: dict[str, str] = field(default_factory=dict)
    cold_charts: bool = False  # empty minwon's chart caches before each request (drawn)


def cases(meta: dict[str, Any], code: str) -> list[Case]:
    """The requests, for the last full month and the year of data."""
    last = date.fromisoformat(meta["last_day"])
    month_end = last.replace(day=1) - timedelta(days=1)
    month = {"start": month_end.replace(day=1).isoformat(), "end": month_end.isoformat()}
    year = {"start": (last - timedelta(days=364)).isoformat(), "end": last.isoformat()}
    scores, ranks = "/api/v1/surveys/scores", "/api/v1/surveys/rankings"
    chart = "/dashboard/charts"
    return [
        Case("dashboard office month", "office", "/dashboard", month),
        Case("dashboard office year", "office", "/dashboard", year),
        Case("dashboard HQ month", "hq", "/dashboard", month),
        Case("dashboard HQ year", "hq", "/dashboard", year),
        Case("dashboard office year, one category", "office", "/dashboard",
             {"category": "C01", **year}),
        Case("dashboard HQ year, one category", "hq", "/dashboard", {"category": "C01", **year}),
        Case("chart daily office month, drawn", "office", f"{chart}/daily.svg", month, True),
        Case("chart daily office month, kept", "office", f"{chart}/daily.svg", month),
        Case("chart trend office month, drawn", "office", f"{chart}/trend.svg", month, True),
        Case("chart categories office month, drawn", "office", f"{chart}/categories.svg", month,
             True),
        Case("chart daily HQ year, drawn", "hq", f"{chart}/daily.svg", year, True),
        Case("scores by=unit office month", "office", scores, {"by": "unit", **month}),
        Case("scores by=unit office year", "office", scores, {"by": "unit", **year}),
        Case("scores by=officer office year", "office", scores, {"by": "officer", **year}),
        Case("scores by=office HQ month", "hq", scores, {"by": "office", **month}),
        Case("scores by=office HQ year", "hq", scores, {"by": "office", **year}),
        Case("rankings level=office year", "hq", ranks, {"level": "office", **year}),
        Case("rankings level=unit office year", "office", ranks, {"level": "unit", **year}),
        Case("monthly report xlsx office", "office", "/reports/monthly",
             {"office": code, "month": month["start"][:7], "format": "xlsx"}),
    ]  # fmt: skip


def _client(engine: Engine, url: str, *, settle: bool = True) -> Any:
    """The app as ``minwon serve`` runs it (``minwon.app.serve_app``: built, heap settled),
    or without settling its heap (``--no-settle``, to see what that costs)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from minwon.app import create_app
    from minwon.config import Settings
    from minwon.web import heap

    app = create_app(settings=Settings(database_url=url, secret_key="bench"), engine=engine)
    if settle:
        log(f"  heap settled as minwon serve does: {heap.settle():,} objects frozen")
    return TestClient(app, raise_server_exceptions=False)


def _wanted(case: Case, args: argparse.Namespace) -> bool:
    return not args.case or any(part in case.name for part in args.case)


def choose_office(built: Built, which: str) -> tuple[str, int]:
    """The office whose CS manager calls: the biggest, the median one, or one by code."""
    scale = _scale_of(built)
    plan = make_plan(scale, date.fromisoformat(built.meta["last_day"]))
    order = np.argsort(plan.voices, kind="stable")
    if which == "biggest":
        index = int(order[-1])
    elif which == "median":
        index = int(order[len(order) // 2])
    else:
        index = int(which.upper().removeprefix("K"))
    return f"K{index:03d}", int(plan.voices[index])


def _tokens(engine: Engine, office_code: str) -> dict[str, dict[str, str]]:
    with write_session(engine) as db:
        out = {}
        for caller, login in (("office", f"cs_{office_code.lower()}"), ("hq", HQ_LOGIN)):
            staff = org.staff_by_login(db_session=db, login=login)
            token = org.issue_token(db_session=db, staff=staff, name="bench-dashboard")
            out[caller] = {"Authorization": f"Bearer {token}"}
    return out


def _get(client: Any, case: Case, headers: dict[str, str]) -> tuple[float, int, int]:
    if case.cold_charts:
        _clear_chart_memos()
    started = time.perf_counter()
    resp = client.get(case.path, params=case.params, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, resp.status_code, len(resp.content)


class _GcPauses:
    """Time the garbage collector stops the process (all generations) and its full runs."""

    def __init__(self) -> None:
        self.ms, self.full, self._t0 = 0.0, 0, 0.0

    def reset(self) -> None:
        """Start counting afresh."""
        self.ms, self.full = 0.0, 0

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._t0 = time.perf_counter()
        else:
            self.ms += (time.perf_counter() - self._t0) * 1000
            self.full += info.get("generation") == 2

    @contextmanager
    def watching(self) -> Iterator[None]:
        """Count while inside."""
        import gc

        gc.callbacks.append(self._callback)
        try:
            yield
        finally:
            gc.callbacks.remove(self._callback)


def time_cases(built: Built, args: argparse.Namespace) -> dict[str, Any]:
    """Every case in ``args.rounds`` interleaved rounds; median and p95 per case."""
    engine = make_engine(built.url)
    headers = _tokens(engine, args.office_code)
    todo = [c for c in cases(built.meta, args.office_code) if _wanted(c, args)]
    per_round = max(1, args.requests // args.rounds)
    lat: dict[str, list[list[float]]] = {c.name: [] for c in todo}
    info: dict[str, dict[str, Any]] = {
        c.name: {"statuses": {}, "bytes": 0, "gc_ms": 0.0, "gc_full": 0} for c in todo
    }
    load = [os.getloadavg()[0]]
    gc_pause = _GcPauses()
    with _client(engine, built.url, settle=not args.no_settle) as client, gc_pause.watching():
        for r in range(args.rounds):
            for case in todo:
                warm_until = time.perf_counter() + args.max_seconds / 2
                for _ in range(args.warmup):
                    _ms, status, size = _get(client, case, headers[case.caller])
                    if status != 200 or time.perf_counter() > warm_until:
                        break
                values: list[float] = []
                gc_pause.reset()
                deadline = time.perf_counter() + args.max_seconds
                while len(values) < per_round and time.perf_counter() < deadline:
                    ms, status, size = _get(client, case, headers[case.caller])
                    values.append(ms)
                    st = info[case.name]["statuses"]
                    st[str(status)] = st.get(str(status), 0) + 1
                    info[case.name]["bytes"] = size
                lat[case.name].append(values)
                info[case.name]["gc_ms"] += round(gc_pause.ms, 1)
                info[case.name]["gc_full"] += gc_pause.full
                fig = summarize_ms(values)
                log(
                    f"  \\[{built.engine_name}] round {r + 1}/{args.rounds} {case.name:34s} "
                    f"n={fig['n']:4d} p50 {fig['p50_ms']:9.1f} ms  p95 {fig['p95_ms']:9.1f} ms"
                )
                load.append(os.getloadavg()[0])
    engine.dispose()
    out: dict[str, Any] = {}
    for case in todo:
        rounds = lat[case.name]
        flat = [v for rnd in rounds for v in rnd]
        out[case.name] = {
            **summarize_ms(flat),
            "round_p50_ms": [summarize_ms(v)["p50_ms"] for v in rounds],
            "round_p95_ms": [summarize_ms(v)["p95_ms"] for v in rounds],
            "cut_by_time": any(len(v) < per_round for v in rounds),
            "latencies_ms": [[round(x, 1) for x in v] for v in rounds],
            "path": case.path,
            "params": case.params,
            "caller": case.caller,
            **info[case.name],
        }
    return {"cases": out, "loadavg_1m": [round(min(load), 2), round(max(load), 2)]}


# --- where the time goes ---------------------------------------------------------------------


def _shape(sql: str) -> str:
    """A short name for a statement: verb and first table, plus GROUP BY column if any."""
    flat = " ".join(sql.split())
    verb = flat.split(" ", 1)[0].upper()
    table = re.search(r"\bFROM (\w+)", flat, re.IGNORECASE)
    group = re.search(r"GROUP BY ([\w.]+)", flat, re.IGNORECASE)
    return " ".join(
        x for x in (verb, table.group(1) if table else "", f"by {group.group(1)}" if group else "")
        if x
    )  # fmt: skip


def diagnose(built: Built, args: argparse.Namespace) -> dict[str, Any]:
    """Replay each case once with a statement timer (plan of the slowest), once under cProfile.
    The timed replay starts with minwon's chart caches emptied (the cost of the first request
    after the rollups changed); the timing rounds mostly hit those caches (static data)."""
    engine = make_engine(built.url)
    headers = _tokens(engine, args.office_code)
    statements: list[tuple[float, str, Any]] = []

    def before(conn: Any, _cur: Any, _stmt: str, _params: Any, *_: Any) -> None:
        conn.info["bench_t0"] = time.perf_counter()

    def after(conn: Any, _cur: Any, stmt: str, params: Any, *_: Any) -> None:
        t0 = conn.info.pop("bench_t0", time.perf_counter())
        statements.append(((time.perf_counter() - t0) * 1000, stmt, params))

    out: dict[str, Any] = {}
    spent = _Stopwatches()
    with _client(engine, built.url) as client, spent.installed():
        for case in [c for c in cases(built.meta, args.office_code) if _wanted(c, args)]:
            _get(client, case, headers[case.caller])  # warm
            event.listen(engine, "before_cursor_execute", before)
            event.listen(engine, "after_cursor_execute", after)
            statements.clear()
            spent.reset()
            cleared = _clear_chart_memos()
            total, status, _size = _get(client, case, headers[case.caller])
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)
            timers = dict(spent.ms)
            groups: dict[str, list[float]] = defaultdict(list)
            for ms, stmt, _p in statements:
                groups[_shape(stmt)].append(ms)
            selects = [s for s in statements if s[1].lstrip().upper().startswith("SELECT")]
            slowest = max(selects, key=lambda s: s[0])
            try:
                prof_lines = _profile_lines(
                    _profile_request(client.app, case, headers[case.caller])
                )
                plan = explain(engine, slowest[1], slowest[2])
            except Exception as exc:  # keep the figures of the other cases
                prof_lines, plan = [f"failed: {exc!r}"], [f"failed: {exc!r}"]
            out[case.name] = {
                "status": status,
                "request_ms": round(total, 1),
                "chart_memos_cleared": cleared,
                "statements": len(statements),
                "db_ms": round(sum(s[0] for s in statements), 1),
                "charts_ms": round(timers.get("charts", 0.0), 1),
                "template_ms": round(timers.get("template", 0.0), 1),
                "xlsx_ms": round(timers.get("xlsx", 0.0), 1),
                "by_shape": sorted(
                    ((k, len(v), round(sum(v), 1)) for k, v in groups.items()),
                    key=lambda g: -g[2],
                )[:8],
                "slowest_ms": round(slowest[0], 1),
                "slowest_sql": " ".join(slowest[1].split()),
                "slowest_params": repr(slowest[2])[:300],
                "plan": plan,
                "profile": prof_lines,
            }
            log(
                f"  \\[{built.engine_name}] {case.name:34s} {total:9.1f} ms (HTTP {status}), "
                f"{len(statements)} statements, {out[case.name]['db_ms']:.1f} ms in the database"
            )
    engine.dispose()
    return out


def _clear_chart_memos() -> int:
    """Empty minwon's in-memory chart caches (if it has any), so the replay draws its charts
    as the first request after a rollup update does; returns how many caches were emptied."""
    from minwon.web import charts

    memos = [getattr(charts, name) for name in dir(charts) if name.endswith("_memo")]
    for memo in memos:
        if hasattr(memo, "cache_clear"):
            memo.cache_clear()
    return len(memos)


class _Stopwatches:
    """Time spent in the chart renderer (matplotlib), the page template and the Excel writer
    during a request, by wrapping those functions in this process only (src/ is untouched)."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = defaultdict(float)

    def reset(self) -> None:
        """Start counting a new request."""
        self.ms.clear()

    def _wrap(self, name: str, fn: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.ms[name] += (time.perf_counter() - started) * 1000

        return timed

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Wrap ``charts._render``, ``pages.render`` and ``xlsx.render_xlsx`` while inside."""
        from minwon.reports import pages, xlsx
        from minwon.web import charts

        saved = [(charts, "_render"), (pages, "render"), (xlsx, "render_xlsx")]
        originals = [getattr(mod, attr) for mod, attr in saved]
        for (mod, attr), name, fn in zip(
            saved, ("charts", "template", "xlsx"), originals, strict=True
        ):
            setattr(mod, attr, self._wrap(name, fn))
        try:
            yield
        finally:
            for (mod, attr), fn in zip(saved, originals, strict=True):
                setattr(mod, attr, fn)


def _profile_request(app: Any, case: Case, headers: dict[str, str]) -> cProfile.Profile:
    """One request under cProfile. The app's sync endpoints and dependencies normally run in
    worker threads, out of the profiler's sight: here they run inline, in this thread, through
    ``httpx.ASGITransport`` on an event loop of this thread."""
    import asyncio

    import anyio.to_thread
    import httpx

    prof = cProfile.Profile()

    async def inline(func: Any, *args: Any, **_kw: Any) -> Any:
        return func(*args)

    async def go() -> None:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            await client.get(case.path, params=case.params, headers=headers)  # warm
            prof.enable()
            await client.get(case.path, params=case.params, headers=headers)
            prof.disable()

    original = anyio.to_thread.run_sync
    anyio.to_thread.run_sync = inline  # type: ignore[assignment]
    try:
        asyncio.run(go())
    finally:
        anyio.to_thread.run_sync = original  # type: ignore[assignment]
    return prof


def _profile_lines(prof: cProfile.Profile, limit: int = 14) -> list[str]:
    """The minwon functions that took longest (cumulative), as text lines."""
    stats = pstats.Stats(prof, stream=io.StringIO())
    rows = []
    for (filename, line, func), (_cc, ncalls, _tt, cum, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "/minwon/" in filename:
            short = filename.split("/minwon/", 1)[1]
            rows.append((cum, ncalls, f"{short}:{line} {func}"))
    rows.sort(reverse=True)
    return [f"{cum * 1000:9.1f} ms {n:6d}× {name}" for cum, n, name in rows[:limit]]


# --- keeping the rollups current -------------------------------------------------------------


def _work_copy(built: Built) -> tuple[str, Any]:
    """A throw-away copy of the built database; returns its URL and a cleanup function."""
    if built.engine_name == "sqlite":
        src = Path(built.url.removeprefix("sqlite:///"))
        dst = src.with_name(src.stem + "-work.db")
        remove_sqlite(dst)
        with sqlite3.connect(src) as c:
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(src, dst)
        return f"sqlite:///{dst}", lambda: remove_sqlite(dst)
    name = _pg_name(_scale_of(built)) + "_work"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            source = built.url.rsplit("/", 1)[1]
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
    finally:
        admin.dispose()

    def drop() -> None:
        eng = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        eng.dispose()

    return pg_url(name), drop


def _scale_of(built: Built) -> Scale:
    return Scale(**built.meta["key"]["scale"])


def _new_voices(
    engine: Engine, world: World, weights: np.ndarray, rng: random.Random, n: int
) -> dict:
    """``n`` voices through the intake service, with the work that follows (see module doc)."""
    from minwon.config import get_settings
    from minwon.surveys import responses
    from minwon.surveys import service as survey_service
    from minwon.voices import service as voice_service
    from minwon.voices import workflow
    from minwon.voices.schemas import VoiceCreate

    base_url = get_settings().base_url
    cat_codes = [c for _, c in world.categories]
    done: dict[str, int] = defaultdict(int)
    for start in range(0, n, 100):
        with write_session(engine) as db:
            principals: dict[int, Any] = {}
            for _ in range(min(100, n - start)):
                oi = rng.choices(range(len(world.offices)), weights=weights)[0]
                office_id = world.offices[oi][0]
                if office_id not in principals:
                    staff = db.get(Staff, world.cs_managers[office_id])
                    principals[office_id] = org.principal_for(staff)
                who = principals[office_id]
                units = world.units[office_id]
                uid, ucode = rng.choice(units)
                cat = rng.choice(cat_codes) if rng.random() > 0.04 else None
                voice, _secret = voice_service.create(
                    db_session=db,
                    principal=who,
                    voice_in=VoiceCreate(
                        kind=rng.choice(["complaint", "request", "inquiry_procedure"]),
                        channel=rng.choices(CHANNEL_CODES, weights=CHANNEL_WEIGHTS)[0],
                        title="불법 주정차 단속 요청",
                        body="아파트 앞 도로에 매일 밤 불법 주차 차량이 많아 통행이 어렵습니다.",
                        unit=ucode,
                        category=cat,
                    ),
                )
                done["voices"] += 1
                r = rng.random()
                if r < 0.03:
                    other = rng.choice([u for u in units if u[0] != uid])
                    voice = workflow.transfer(
                        db_session=db, voice=voice, principal=who, unit_code=other[1], note="이송"
                    )
                    uid = other[0]
                    done["transferred"] += 1
                if rng.random() < 0.6:
                    officer = rng.choice(world.officers[uid])[1]
                    workflow.assign(
                        db_session=db, voice=voice, principal=who, assignee_login=officer
                    )
                    workflow.draft_answer(
                        db_session=db, voice=voice, principal=who, body="조치했습니다."
                    )
                    workflow.approve_answer(db_session=db, voice=voice, principal=who)
                    done["answered"] += 1
                    if rng.random() < 0.4:
                        workflow.close(db_session=db, voice=voice, principal=who)
                        done["closed"] += 1
                        if rng.random() < 0.025:
                            workflow.reopen(
                                db_session=db, voice=voice, principal=who, note="재문의"
                            )
                            done["reopened"] += 1
                    if rng.random() < 0.5:
                        invited = survey_service.invite_after_answer(
                            db, voice_id=voice.id, base_url=base_url
                        )
                        if invited.issued is not None:
                            done["invitations"] += 1
                            if rng.random() < 1 / 3:
                                csat = rng.choices([1, 2, 3, 4, 5], weights=[3, 5, 15, 40, 37])[0]
                                answers = {
                                    "csat": str(csat), "kind": str(csat), "speed": str(csat),
                                    "nps": str(min(10, max(0, 2 * csat + rng.randint(-2, 1)))),
                                }  # fmt: skip
                                responses.submit(
                                    db, invited.issued.invitation, answers, mode="web", now=utcnow()
                                )
                                done["responses"] += 1
    return dict(done)


def rollup_cost(built: Built, args: argparse.Namespace) -> dict[str, Any]:
    """ms of ``rollups.update`` per 1,000 new voices (and their events) on the big database."""
    from minwon.reports import rollups

    url, cleanup = _work_copy(built)
    log(f"  \\[{built.engine_name}] rollup cost on a copy ({url.rsplit('/', 1)[1]})")
    engine = make_engine(url)
    runs = []
    try:
        world = load_world(engine)
        rollups.update(engine)  # cursors at the (empty) ledger's end
        scale = _scale_of(built)
        plan = make_plan(scale, date.fromisoformat(built.meta["last_day"]))
        rng = random.Random(SEED)
        count = [0]
        shapes: dict[str, int] = defaultdict(int)

        def counter(_conn: Any, _cur: Any, stmt: str, *_a: Any) -> None:
            count[0] += 1
            shapes[_shape(stmt)] += 1

        for i in range(args.rollup_runs):
            t0 = time.perf_counter()
            made = _new_voices(engine, world, plan.office_w, rng, 1000)
            work_s = time.perf_counter() - t0
            count[0] = 0
            shapes.clear()
            event.listen(engine, "after_cursor_execute", counter)
            t1 = time.perf_counter()
            upd = rollups.update(engine)
            ms = (time.perf_counter() - t1) * 1000
            event.remove(engine, "after_cursor_execute", counter)
            runs.append({
                "update_ms": round(ms, 1), "statements": count[0], "events": upd.events,
                "invitations": upd.invitations, "responses": upd.responses,
                "intake_and_workflow_s": round(work_s, 2), **made,
                "statement_shapes": dict(sorted(shapes.items(), key=lambda kv: -kv[1])),
            })  # fmt: skip
            log(
                f"  \\[{built.engine_name}] run {i + 1}/{args.rollup_runs}: 1,000 voices "
                f"({work_s:.1f}s to make), update {ms:.0f} ms, {count[0]} statements, "
                f"{upd.events} events, {upd.invitations} invitations, {upd.responses} responses"
            )
    finally:
        engine.dispose()
        cleanup()
    values = [r["update_ms"] for r in runs]
    return {
        "runs": runs,
        "median_ms_per_1000": round(statistics.median(values), 1),
        "min_ms": min(values),
        "max_ms": max(values),
        "median_statements": statistics.median(r["statements"] for r in runs),
        "median_events": statistics.median(r["events"] for r in runs),
    }


# --- output ----------------------------------------------------------------------------------


def _ms(v: float) -> str:
    return f"{v:,.1f}"


def latency_table(res: dict[str, Any]) -> Table:
    """Median and p95 per case for one engine."""
    meta = res["meta"]
    rows = meta["rows"]
    tab = Table(
        title=f"Dashboard latency, {res['engine']} — {meta['totals']['received']:,} voices "
        f"received, {meta['totals']['responses']:,} responses; rollup rows: voice-day "
        f"{rows['rollup_voice_day']:,}, survey-day {rows['rollup_survey_day']:,}",
        title_justify="left",
    )
    cols = ("request", "n", "p50 ms", "p95 ms", "p95 per round", "GC ms/req", "statements", "db ms")
    for col in cols:
        tab.add_column(col, justify="left" if col == "request" else "right")
    for name, fig in res["timing"]["cases"].items():
        diag = res.get("diagnosis", {}).get(name, {})
        mark = " !" if fig["p95_ms"] > AIM_MS else ""
        bad = {k: v for k, v in fig["statuses"].items() if k != "200"}
        tab.add_row(
            name + (f" {bad}" if bad else "") + (" (cut)" if fig["cut_by_time"] else ""),
            str(fig["n"]), _ms(fig["p50_ms"]), _ms(fig["p95_ms"]) + mark,
            " / ".join(f"{v:,.0f}" for v in fig["round_p95_ms"]),
            _ms(fig.get("gc_ms", 0.0) / max(fig["n"], 1)),
            str(diag.get("statements", "")), _ms(diag["db_ms"]) if diag else "",
        )  # fmt: skip
    load = res["timing"]["loadavg_1m"]
    tab.caption = (
        f"! = p95 over the {AIM_MS:.0f} ms aim. Office = CS manager of {res['office']['code']} "
        f"({res['office']['chosen']} office, {res['office']['voices']:,} voices/year; median "
        f"office "
        f"{meta['median_office_voices']:,}); HQ = hq_analyst (all offices). Month = last full "
        f"month, year = {meta['first_day']}..{meta['last_day']}. 1-min load average "
        f"{load[0]:.1f}–{load[1]:.1f} on {os.cpu_count()} CPUs. (cut) = stopped by --max-seconds."
    )
    if res.get("no_settle"):
        tab.caption += " Run with --no-settle (the heap not frozen at start, unlike minwon serve)."
    tab.caption_justify = "left"
    return tab


def rollup_table(results: dict[str, Any]) -> Table:
    """Rollup update cost per 1,000 voices per engine."""
    tab = Table(title="Keeping the rollups current: rollups.update per 1,000 new voices",
                title_justify="left")  # fmt: skip
    for col in ("engine", "runs", "median ms", "min–max ms", "statements", "events"):
        tab.add_column(col, justify="left" if col == "engine" else "right")
    for engine_name, res in results.items():
        cost = res.get("rollup")
        if not cost:
            continue
        tab.add_row(
            engine_name, str(len(cost["runs"])), _ms(cost["median_ms_per_1000"]),
            f"{cost['min_ms']:,.0f}–{cost['max_ms']:,.0f}", f"{cost['median_statements']:g}",
            f"{cost['median_events']:g}",
        )  # fmt: skip
    return tab


def _show_diagnosis(res: dict[str, Any]) -> None:
    timing = res.get("timing", {}).get("cases")
    over = [n for n, f in timing.items() if f["p95_ms"] > AIM_MS] if timing else res["diagnosis"]
    for name in over:
        d = res.get("diagnosis", {}).get(name)
        if not d:
            continue
        console.print(
            f"[bold]{res['engine']}: {name}[/bold] — one replay {d['request_ms']:,.0f} ms, "
            f"{d['statements']} statements, {d['db_ms']:,.0f} ms in the database, "
            f"{d['charts_ms']:,.0f} ms drawing charts, {d['template_ms']:,.0f} ms in the "
            f"template, {d['xlsx_ms']:,.0f} ms writing Excel"
        )
        for shape, n, ms in d["by_shape"][:5]:
            console.print(f"    {ms:9.1f} ms {n:5d}× {shape}", markup=False)
        console.print(
            f"  slowest ({d['slowest_ms']:,.0f} ms): {d['slowest_sql'][:300]}", markup=False
        )
        for line in d["plan"][:12]:
            console.print("    " + line, markup=False)
        console.print("  profile (cumulative, minwon functions):")
        for line in d["profile"][:10]:
            console.print("    " + line, markup=False)


def _write(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))


# --- entry -----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description="dashboard latency and rollup cost at national scale",
                                prog="bench/dashboard.py")  # fmt: skip
    p.add_argument("--engine", choices=["sqlite", "pg", "postgresql", "both"], default="both")
    p.add_argument("--quick", action="store_true", help="1/100 of the voices, 1/10 of the offices")
    p.add_argument("--requests", type=int, help="timed requests per case (default 210; quick 20)")
    p.add_argument("--rounds", type=int, help="interleaved rounds over all cases (3; quick 2)")
    p.add_argument("--warmup", type=int, help="unmeasured requests per case and round (3; quick 1)")
    p.add_argument("--max-seconds", type=float, help="time bound per case and round (60; quick 6)")
    p.add_argument("--rollup-runs", type=int, help="runs of 1,000 new voices (5; quick 2)")
    p.add_argument(
        "--office",
        default="biggest",
        help="the CS manager's office: biggest (default), median, or a code (K066)",
    )
    p.add_argument(
        "--no-settle",
        action="store_true",
        help="do not settle the heap at start as minwon serve does (minwon.web.heap)",
    )
    p.add_argument(
        "--case",
        action="append",
        default=[],
        help="time only the cases whose name contains this (repeatable)",
    )
    p.add_argument(
        "--skip", choices=["latency", "rollup", "diagnosis"], action="append", default=[]
    )
    p.add_argument("--rebuild", action="store_true", help="rebuild the cached databases")
    p.add_argument("--out", type=Path, help="JSON file (default bench/results/dashboard-<ts>.json)")
    args = p.parse_args(argv)
    q = args.quick
    args.requests = args.requests or (20 if q else 210)
    args.rounds = args.rounds or (2 if q else 3)
    args.warmup = args.warmup if args.warmup is not None else (1 if q else 3)
    args.max_seconds = args.max_seconds or (6.0 if q else 60.0)
    args.rollup_runs = args.rollup_runs or (2 if q else 5)
    return args


def _engines(choice: str) -> list[str]:
    engines = ["sqlite", "postgresql"] if choice == "both" else [choice]
    engines = ["postgresql" if e == "pg" else e for e in engines]
    if "postgresql" in engines and not pg_reachable():
        log("PostgreSQL is not reachable: skipping it")
        engines.remove("postgresql")
    return engines


def run(engine_name: str, scale: Scale, args: argparse.Namespace) -> Iterator[dict[str, Any]]:
    """Build, time, diagnose and measure the rollup cost on one engine (yields progress)."""
    built = ensure_built(engine_name, scale, args.rebuild)
    args.office_code, office_voices = choose_office(built, args.office)
    res: dict[str, Any] = {"engine": engine_name, "url": built.url, "meta": built.meta,
                           "reused_cache": built.reused,
                           "office": {"code": args.office_code, "voices": office_voices,
                                      "chosen": args.office},
                           "no_settle": args.no_settle}  # fmt: skip
    yield res
    if "latency" not in args.skip:
        log(f"\\[{engine_name}] timing {args.requests} requests per case in {args.rounds} rounds")
        res["timing"] = time_cases(built, args)
        yield res
    if "diagnosis" not in args.skip:
        log(f"\\[{engine_name}] replaying each case with a statement timer and cProfile")
        res["diagnosis"] = diagnose(built, args)
        yield res
    if "rollup" not in args.skip:
        res["rollup"] = rollup_cost(built, args)
        yield res


def main(argv: list[str] | None = None) -> int:
    """Run what the arguments ask for, print the tables, save the JSON."""
    args = parse_args(argv)
    scale = QUICK if args.quick else FULL
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = args.out or RESULTS / f"dashboard-{stamp}.json"
    started = time.perf_counter()
    results: dict[str, Any] = {
        "started": stamp,
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "scale": asdict(scale),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "sqlite": sqlite3.sqlite_version,
            "loadavg_start": os.getloadavg(),
            "src_digest": src_digest(),
        },  # fmt: skip
        "engines": {},
    }
    for engine_name in _engines(args.engine):
        for res in run(engine_name, scale, args):
            results["engines"][engine_name] = res
            _write(results, out)
    results["machine"]["loadavg_end"] = os.getloadavg()
    results["seconds"] = round(time.perf_counter() - started, 1)
    _write(results, out)
    for res in results["engines"].values():
        if "timing" in res:
            console.print(latency_table(res))
        if "diagnosis" in res:
            _show_diagnosis(res)
    if any("rollup" in r for r in results["engines"].values()):
        console.print(rollup_table(results["engines"]))
    log(f"all done in {results['seconds']:.0f}s; results written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
