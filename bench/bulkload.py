"""A ledger of a million voices, loaded fast and cached between runs.

Rows bypass the API but follow its rules: 2 offices and 7 units (uneven shares), two ledger
years (1 January last year until now), more voices on working days and in office hours,
kinds and channels in plausible shares, deadlines from minwon's own ``due_at`` and the
organisation's calendar, statuses that depend on age and deadline (about 1.2% of past-due
voices still open, i.e. overdue), gap-free ledger numbers per unit and year in order of
receipt and matching ``ledger_counter`` rows. Left out: history events, contacts, answers and
transfers (the ledger listing never reads them, except contacts, which it loads per page).

SQLite: SQLAlchemy Core ``insert`` (executemany) in batches of 10,000 into the migrated file,
``synchronous=OFF`` while loading, then a WAL checkpoint; the file is kept in ``bench/.cache``.
PostgreSQL: ``COPY`` into the migrated database ``minwon_bench``, then ``VACUUM ANALYZE``.
Both are reused while the generator version, the voice count and the row count match.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

import holidays
from sqlalchemy import Engine, column, insert, inspect, table, text

from bench.common import (
    CACHE,
    log,
    pg_database_exists,
    pg_url,
    recreate_pg_database,
    remove_sqlite,
)
from bench.texts import CHANNEL_WEIGHTS, KIND_WEIGHTS, corpus
from bench.world import CATEGORIES, DONGS, UNITS, BenchWorld, build_world, load_world
from minwon import migrate
from minwon.db import make_engine
from minwon.timeutil import KST
from minwon.voices.catalog import DEFAULT_PERIODS
from minwon.voices.deadlines import WorkCalendar, due_at
from minwon.voices.ledger import format_number
from minwon.voices.models import Voice

GENERATOR_VERSION = 3
BATCH = 10_000
PG_DB = "minwon_bench"
SQLITE_FMT = "%Y-%m-%d %H:%M:%S.%f"
DAY = 86_400
KST_OFFSET = 9 * 3600
OFFICE_SHARE = {"GR": 0.6, "DJ": 0.4}
HOUR_WEIGHT = [0.05] * 7 + [0.3, 0.8, 1.0, 1.0, 1.0, 0.7, 1.0, 1.0, 1.0, 0.9, 0.8, 0.4] + [0.15] * 5
UNIT_CATEGORY = {"GR03": ("TRAFFIC", 0.8), "GR01": ("PATROL", 0.5), "DJ01": ("LAND", 0.6),
                 "DJ02": ("FACILITY", 0.6)}  # fmt: skip
COLUMNS = [
    "office_id", "unit_id", "ledger_year", "ledger_seq", "ledger_no", "kind", "channel", "title",
    "body", "category_id", "status", "received_at", "created_at", "updated_at", "period_days",
    "due_at", "extended", "extension_reason", "dong", "address", "lat", "lon", "assignee_id",
    "created_by_id", "answered_at", "closed_at", "transferred_from_id", "transferred_to_id",
    "receipt_secret_hash",
]  # fmt: skip
TIME_COLUMNS = {"received_at", "created_at", "updated_at", "due_at", "answered_at", "closed_at"}


@dataclass
class Loaded:
    """Where the big ledger lives and how it came to be."""

    url: str
    voices: int
    reused: bool
    load_seconds: float
    world: BenchWorld


# --- row generation --------------------------------------------------------------------------


def _receipt_times(rng: random.Random, n: int, start: float, end: float) -> list[float]:
    """``n`` sorted UTC epoch seconds: working days and office hours (KST) more likely."""
    first = datetime.fromtimestamp(start, UTC).astimezone(KST).year
    last = datetime.fromtimestamp(end, UTC).astimezone(KST).year
    kr = {(d - date(1970, 1, 1)).days for d in holidays.KR(years=range(first, last + 1))}
    out: list[float] = []
    span = end - start
    while len(out) < n:
        ts = start + rng.random() * span
        local = ts + KST_OFFSET
        day = int(local // DAY)
        weight = HOUR_WEIGHT[int(local % DAY) // 3600]
        if (day + 3) % 7 >= 5 or day in kr:
            weight *= 0.3
        if rng.random() < weight:
            out.append(ts)
    out.sort()
    return out


class _Deadlines:
    """minwon's ``due_at`` memoised by what it depends on for periods of 6 days or more."""

    def __init__(self) -> None:
        self.calendar = WorkCalendar()
        self.memo: dict[tuple[int, bool, int | None], datetime | None] = {}

    def due(self, received: datetime, period: int | None) -> datetime | None:
        local = received.astimezone(KST)
        if period is not None and period <= 5:
            return due_at(received, period, self.calendar)
        key = (local.toordinal(), local.hour >= 18, period)
        if key not in self.memo:
            self.memo[key] = due_at(received, period, self.calendar)
        return self.memo[key]


def _status(rng: random.Random, now: datetime, received: datetime, due: datetime | None) -> str:
    if due is None:
        if now - received > timedelta(days=3):
            return "closed" if rng.random() < 0.85 else "answered"
        return rng.choice(["received", "answered"])
    if due > now:
        return rng.choices(["received", "assigned", "in_progress", "answered", "closed"],
                           [35, 25, 25, 12, 3])[0]  # fmt: skip
    if rng.random() < 0.012:
        return rng.choices(["received", "assigned", "in_progress"], [30, 30, 40])[0]
    return "closed" if rng.random() < 0.82 else "answered"


def _answer_times(
    rng: random.Random, now: datetime, received: datetime, due: datetime | None, status: str
) -> tuple[datetime | None, datetime | None, str]:
    if status not in ("answered", "closed"):
        return None, None, status
    limit = due if due is not None else received + timedelta(days=3)
    if rng.random() < 0.9:
        answered = received + (limit - received) * rng.uniform(0.1, 1.0)
    else:
        answered = limit + timedelta(hours=rng.uniform(1, 72))
    answered = min(answered, now - timedelta(minutes=1))
    if status == "answered":
        return answered, None, status
    closed = answered + timedelta(hours=rng.uniform(1, 72))
    if closed >= now:
        return answered, None, "answered"
    return answered, closed, status


def _cum(weights: Iterable[float]) -> list[float]:
    return list(accumulate(weights))


def generate(
    world: BenchWorld, n: int, counters: dict[tuple[int, int], int], seed: int = 1
) -> Iterator[list[dict[str, Any]]]:
    """Batches of voice rows (dicts of column values, datetimes aware) in order of receipt;
    ``counters`` ends up holding the last ledger sequence of every (unit id, year)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    start = datetime(now.astimezone(KST).year - 1, 1, 1, tzinfo=KST).timestamp()
    times = _receipt_times(rng, n, start, now.timestamp() - 600)
    texts = corpus()
    deadlines = _Deadlines()
    seqs = counters
    office_units = {
        off: ([u[0] for u in UNITS if u[1] == off], _cum([u[4] for u in UNITS if u[1] == off]))
        for off in OFFICE_SHARE
    }
    kinds, kind_w = list(KIND_WEIGHTS), _cum(KIND_WEIGHTS.values())
    channels, channel_w = list(CHANNEL_WEIGHTS), _cum(CHANNEL_WEIGHTS.values())
    offices, office_w = list(OFFICE_SHARE), _cum(OFFICE_SHARE.values())
    cat_codes = [c[0] for c in CATEGORIES]
    batch: list[dict[str, Any]] = []
    for ts in times:
        office = rng.choices(offices, cum_weights=office_w)[0]
        units, unit_w = office_units[office]
        unit = rng.choices(units, cum_weights=unit_w)[0]
        unit_id = world.unit_ids[unit]
        received = datetime.fromtimestamp(ts, UTC)
        year = received.astimezone(KST).year
        seq = seqs[(unit_id, year)] = seqs.get((unit_id, year), 0) + 1
        kind = rng.choices(kinds, cum_weights=kind_w)[0]
        period = DEFAULT_PERIODS.get(kind)
        due = deadlines.due(received, period)
        status = _status(rng, now, received, due)
        answered, closed, status = _answer_times(rng, now, received, due, status)
        channel = rng.choices(channels, cum_weights=channel_w)[0]
        favourite = UNIT_CATEGORY.get(unit)
        if favourite and rng.random() < favourite[1]:
            category = favourite[0]
        else:
            category = rng.choice(cat_codes) if rng.random() < 0.9 else None
        staff = world.unit_staff[unit]
        text_ = rng.choice(texts)
        created = min(received + timedelta(seconds=rng.uniform(1, 600)), now)
        located = rng.random() < 0.3
        extended = due is not None and rng.random() < 0.01
        batch.append({
            "office_id": world.office_ids[office],
            "unit_id": unit_id,
            "ledger_year": year,
            "ledger_seq": seq,
            "ledger_no": format_number(unit, year, seq),
            "kind": kind,
            "channel": channel,
            "title": text_.title,
            "body": text_.body[: rng.randint(80, 300)],
            "category_id": world.category_ids[category] if category else None,
            "status": status,
            "received_at": received,
            "created_at": created,
            "updated_at": max(t for t in (created, answered, closed) if t is not None),
            "period_days": period,
            "due_at": due,
            "extended": extended,
            "extension_reason": "현장 확인이 필요하여 처리기한을 연장합니다." if extended else "",
            "dong": rng.choice(DONGS[office]),
            "address": "",
            "lat": round(37.49 + rng.random() * 0.02, 6) if located else None,
            "lon": round(126.88 + rng.random() * 0.02, 6) if located else None,
            "assignee_id": rng.choice(staff) if status != "received" else None,
            "created_by_id": None if channel == "web" else rng.choice(staff),
            "answered_at": answered,
            "closed_at": closed,
            "transferred_from_id": None,
            "transferred_to_id": None,
            "receipt_secret_hash": f"{rng.getrandbits(256):064x}",
        })  # fmt: skip
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


# --- loading ---------------------------------------------------------------------------------


def _extra_columns(engine: Engine) -> dict[str, Any]:
    """Values for columns a later migration added that the generator does not know."""
    extra: dict[str, Any] = {}
    for col in inspect(engine).get_columns("voice"):
        name = col["name"]
        if name in COLUMNS or name == "id":
            continue
        model_col = Voice.__table__.c.get(name)
        default = model_col.default if model_col is not None else None
        if default is not None and getattr(default, "is_scalar", False):
            extra[name] = default.arg
        elif default is not None and getattr(default, "is_callable", False):
            extra[name] = default.arg(None)
        else:
            extra[name] = None
    return extra


def _progress(done: int, total: int, started: float) -> None:
    if done % 100_000 == 0 or done == total:
        rate = done / (time.perf_counter() - started)
        log(f"  loaded {done:>9,} / {total:,} voices ({rate:,.0f}/s)")


def _load_sqlite(engine: Engine, world: BenchWorld, n: int) -> None:
    extra = _extra_columns(engine)
    names = COLUMNS + list(extra)
    target = table("voice", *(column(c) for c in names))
    started, done, counters = time.perf_counter(), 0, {}
    with engine.connect() as conn:
        dbapi = conn.connection.dbapi_connection  # autocommit: pragmas outside a transaction
        dbapi.execute("PRAGMA synchronous=OFF")
        dbapi.execute("PRAGMA cache_size=-400000")
        for batch in generate(world, n, counters):
            rows = [
                {k: (v.astimezone(UTC).strftime(SQLITE_FMT) if k in TIME_COLUMNS and v else v)
                 for k, v in (row | extra).items()}
                for row in batch
            ]  # fmt: skip
            with conn.begin():
                conn.execute(insert(target), rows)
            done += len(batch)
            _progress(done, n, started)
        with conn.begin():
            _write_counters(conn, counters)
        dbapi.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _load_pg(engine: Engine, world: BenchWorld, n: int) -> None:
    extra = _extra_columns(engine)
    names = COLUMNS + list(extra)
    started, done, counters = time.perf_counter(), 0, {}
    raw = engine.raw_connection()
    try:
        pg = raw.driver_connection
        with pg.cursor() as cur, cur.copy(f"COPY voice ({', '.join(names)}) FROM STDIN") as copy:
            for batch in generate(world, n, counters):
                for row in batch:
                    row |= extra
                    copy.write_row([row[c] for c in names])
                done += len(batch)
                _progress(done, n, started)
        pg.commit()
    finally:
        raw.close()
    with engine.connect() as conn, conn.begin():
        _write_counters(conn, counters)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        log("  VACUUM ANALYZE voice")
        conn.exec_driver_sql("VACUUM ANALYZE voice")


def _write_counters(conn: Any, counters: dict[tuple[int, int], int]) -> None:
    conn.execute(text("DELETE FROM ledger_counter"))
    conn.execute(
        text("INSERT INTO ledger_counter (unit_id, year, last) VALUES (:u, :y, :l)"),
        [{"u": u, "y": y, "l": last} for (u, y), last in counters.items()],
    )


# --- cache -----------------------------------------------------------------------------------


def _meta_path(engine_name: str) -> Path:
    return CACHE / f"ledger-{engine_name}.json"


def _cached(engine_name: str, url: str, voices: int) -> bool:
    meta_path = _meta_path(engine_name)
    if not meta_path.exists():
        return False
    meta = json.loads(meta_path.read_text())
    if meta.get("generator") != GENERATOR_VERSION or meta.get("voices") != voices:
        return False
    if meta.get("url") != url:
        return False
    if engine_name == "postgresql" and not pg_database_exists(PG_DB):
        return False
    if engine_name == "sqlite" and not Path(url.removeprefix("sqlite:///")).exists():
        return False
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM voice")).scalar_one()
    except Exception:
        return False
    finally:
        engine.dispose()
    return count == voices


def ensure_ledger(engine_name: str, voices: int, rebuild: bool = False) -> Loaded:
    """The big ledger for ``engine_name``: reused from the cache or (re)built."""
    CACHE.mkdir(parents=True, exist_ok=True)
    if engine_name == "sqlite":
        url = f"sqlite:///{CACHE / f'ledger-{voices}.db'}"
    else:
        url = pg_url(PG_DB)
    if not rebuild and _cached(engine_name, url, voices):
        migrate.upgrade(url)
        engine = make_engine(url)
        world = load_world(engine)
        engine.dispose()
        meta = json.loads(_meta_path(engine_name).read_text())
        log(f"[{engine_name}] reusing the cached {voices:,}-voice ledger ({url})")
        return Loaded(url, voices, True, meta.get("load_seconds", 0.0), world)
    log(f"[{engine_name}] building a {voices:,}-voice ledger ({url})")
    started = time.perf_counter()
    if engine_name == "sqlite":
        remove_sqlite(Path(url.removeprefix("sqlite:///")))
    else:
        recreate_pg_database(PG_DB)
    _meta_path(engine_name).unlink(missing_ok=True)
    migrate.upgrade(url)
    engine = make_engine(url)
    world = build_world(engine)
    (_load_sqlite if engine_name == "sqlite" else _load_pg)(engine, world, voices)
    engine.dispose()
    seconds = round(time.perf_counter() - started, 1)
    meta = {"generator": GENERATOR_VERSION, "voices": voices, "url": url, "load_seconds": seconds}
    _meta_path(engine_name).write_text(json.dumps(meta))
    log(f"[{engine_name}] built in {seconds:.0f}s")
    return Loaded(url, voices, False, seconds, world)
