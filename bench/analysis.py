"""Korean text analysis (issue 3): intake analysis speed against bare Kiwi, similar-voice lookup
latency at 100k and 1M voices, and the size of the similar-voice index.

    .venv/bin/python bench/analysis.py --quick                  # smoke run, under a minute
    .venv/bin/python bench/analysis.py                          # both engines, 100k and 1M
    .venv/bin/python bench/analysis.py --engine sqlite --sizes 100000 --texts 500
    .venv/bin/python bench/analysis.py --only lookup            # parts 2 and 3 only

1. **Throughput on one core** (texts/s on the same petitions; this thread pinned to CPU 0;
   every text goes through every variant back to back, in an order shuffled per text):
   (a) bare ``kiwi.tokenize(text)``; (b) minwon's intake analysis without the database — mask,
   content tokens, routing (``Router.predict_tokens``, a category model trained on the
   petitions), tone, band keys; (c) = (b) + ``similar.matches`` on the SQLite index of the
   smallest size; (c') a what-if, (b) + ``lean_matches`` below. Ratios to (a) against the 70%
   aim, and µs per stage.
2. **Lookup latency** of ``similar.matches(limit=5)``, a fresh plain ``Session`` per lookup, on
   SQLite and PostgreSQL holding N synthetic analysed voices of one office, queried with the
   tokens of held-out petitions and with fresh rewordings of planted near-duplicate groups
   (their recall is the sanity figure); candidate counts; what-ifs that split the time
   (``candidates()`` alone, lean loading, fewer candidates).
3. **Index size**: bytes of ``voice_band`` and of the stored tokens per million voices.

Synthetic voices come from the petitions' content tokens (cached in ``bench/.cache``): a random
base petition with ~30% of its tokens dropped and ~5 tokens drawn from the corpus by frequency.
The SQLite databases are cached as ``bench/.cache/analysis-<N>.db``, the PostgreSQL ones
(``minwon_bench_analysis_<N>``, copied from the SQLite file) are kept; ``--rebuild`` remakes them.
Figures print as tables and are saved to ``bench/results/analysis-<timestamp>.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import os
import platform
import random
import sqlite3
import statistics
import sys
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from sqlalchemy import Engine, column, func, insert, select, table, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from bench import report  # noqa: E402
from bench.common import (  # noqa: E402
    CACHE,
    RESULTS,
    console,
    log,
    percentile,
    pg_database_exists,
    pg_reachable,
    pg_url,
    recreate_pg_database,
    remove_sqlite,
)
from bench.texts import PETITIONS  # noqa: E402
from minwon import migrate  # noqa: E402
from minwon.analysis import similar  # noqa: E402
from minwon.analysis.masking import mask  # noqa: E402
from minwon.analysis.models import VoiceAnalysis  # noqa: E402
from minwon.analysis.service import analysis_text  # noqa: E402
from minwon.analysis.similarity import (  # noqa: E402
    band_keys,
    jaccard,
    matter_terms,
    parse_tokens,
    stored_tokens,
    terms_text,
)
from minwon.analysis.tokenize import (  # noqa: E402
    MAX_CHARS,
    content_tokens,
    get_kiwi,
    tokenize_many,
)
from minwon.analysis.tone import analyse_tone  # noqa: E402
from minwon.db import make_engine, write_session  # noqa: E402
from minwon.org import service as org  # noqa: E402

GENERATOR_VERSION = 2  # 2: voice_analysis.terms (schema 0003)
TOKENS_VERSION = 1
SEED = 20261124
CHUNK = 10_000  # voices generated (and inserted on SQLite) per batch
QUICK_CORPUS = 600  # petitions the quick run tokenizes when the full cache is missing
DROP, ADD = 0.3, (3, 7)  # synthetic voice: share of the base's tokens dropped, tokens added
DUP_DROP, DUP_ADD, DUP_SIZE = 0.1, (1, 2), (2, 5)  # planted near-duplicate groups
SEEDS_FULL, PLAIN_FULL = 300, 900  # held-out petitions: near-duplicate seeds, plain queries
SEEDS_QUICK, PLAIN_QUICK = 60, 200
TOKENS_CACHE = CACHE / "analysis-tokens.json"
PG_PREFIX = "minwon_bench_analysis"
SQLITE_FMT = "%Y-%m-%d %H:%M:%S.%f"
STAGES = ("mask", "tokenize", "route", "tone", "bands", "lookup")
CHANNELS = ("phone", "web", "visit", "card", "mailbox", "outreach", "email")
EPOCH = datetime(2024, 11, 1, tzinfo=UTC)
SPAN = timedelta(days=730)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description="minwon text analysis", prog="bench/analysis.py")
    p.add_argument("--engine", choices=["sqlite", "pg", "postgresql", "both"], default="both")
    p.add_argument("--sizes", default="100000,1000000", help="voices in the index, comma-separated")
    p.add_argument("--texts", type=int, default=2000, help="petitions timed for throughput")
    p.add_argument("--rounds", type=int, default=3, help="throughput rounds (medians)")
    p.add_argument("--passes", type=int, default=3, help="passes over the lookup queries")
    p.add_argument("--lookups", type=int, default=PLAIN_FULL, help="held-out plain queries (max)")
    p.add_argument("--only", choices=["throughput", "lookup"], help="run one part only")
    p.add_argument("--quick", action="store_true", help="smoke run: 10k voices, 200 texts")
    p.add_argument("--rebuild", action="store_true", help="rebuild the cached index databases")
    p.add_argument("--out", type=Path, help="JSON file (default bench/results/analysis-<ts>.json)")
    args = p.parse_args(argv)
    if args.quick:
        args.sizes, args.texts, args.rounds, args.passes = "10000", 200, 1, 1
        args.lookups = min(args.lookups, PLAIN_QUICK)
    args.size_list = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    return args


# --- corpus ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Petition:
    """One petition as the benchmark uses it."""

    id: int
    begin: str
    category: str
    title: str
    text: str  # what intake analyses: title and body
    masked: str = ""
    tokens: tuple[str, ...] = ()


def load_corpus(quick: bool) -> list[Petition]:
    """The petitions in a fixed shuffled order, with masked text and content tokens (cached).

    The quick run takes the first ``QUICK_CORPUS`` of them unless all are cached already.
    """
    with gzip.open(PETITIONS, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    rows = [r for r in rows if (r.get("title") or r.get("content")) and r.get("category")]
    random.Random(SEED).shuffle(rows)
    cache = _read_token_cache()
    if quick and not all(str(r["id"]) in cache for r in rows):
        rows = rows[:QUICK_CORPUS]
    todo = [r for r in rows if str(r["id"]) not in cache]
    if todo:
        log(f"tokenizing {len(todo):,} petitions once (masked text, Kiwi batch) ...")
        started = time.perf_counter()
        masked = [mask(analysis_text(r["title"] or "", r["content"] or "")).text for r in todo]
        for r, m, toks in zip(todo, masked, tokenize_many(masked), strict=True):
            cache[str(r["id"])] = {"masked": m, "tokens": toks}
        _write_token_cache(cache)
        log(f"  done in {time.perf_counter() - started:.0f}s, cached in {TOKENS_CACHE}")
    return [
        Petition(
            id=int(r["id"]),
            begin=r.get("begin") or "",
            category=r["category"],
            title=(r["title"] or "").strip()[:300],
            text=analysis_text(r["title"] or "", r["content"] or ""),
            masked=cache[str(r["id"])]["masked"],
            tokens=tuple(cache[str(r["id"])]["tokens"]),
        )
        for r in rows
    ]


def _token_key() -> dict[str, Any]:
    import kiwipiepy

    stat = PETITIONS.stat()
    return {"version": TOKENS_VERSION, "kiwipiepy": kiwipiepy.__version__, "size": stat.st_size}


def _read_token_cache() -> dict[str, Any]:
    if not TOKENS_CACHE.exists():
        return {}
    data = json.loads(TOKENS_CACHE.read_text(encoding="utf-8"))
    return data["items"] if data.get("key") == _token_key() else {}


def _write_token_cache(items: dict[str, Any]) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    payload = {"key": _token_key(), "items": items}
    tmp = TOKENS_CACHE.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    tmp.replace(TOKENS_CACHE)


@dataclass(frozen=True)
class Split:
    """Held-out petitions (queries, near-duplicate seeds) and the bases of synthetic voices."""

    plain: list[Petition]
    seeds: list[Petition]
    bases: list[Petition]


def split_corpus(corpus: list[Petition], quick: bool) -> Split:
    """Held-out petitions first (the corpus is shuffled), the rest are bases."""
    n_seeds, n_plain = (SEEDS_QUICK, PLAIN_QUICK) if quick else (SEEDS_FULL, PLAIN_FULL)
    seeds = corpus[:n_seeds]
    plain = corpus[n_seeds : n_seeds + n_plain]
    return Split(plain=plain, seeds=seeds, bases=corpus[n_seeds + n_plain :])


def train_router(corpus: list[Petition]) -> Any:
    """A category ``Router`` trained on the petitions oldest first (cached by corpus size)."""
    from minwon.analysis.classifier import Router, RouterFormatError

    path = CACHE / f"analysis-router-{len(corpus)}.bin"
    if path.exists():
        try:
            return Router.from_bytes(path.read_bytes())
        except RouterFormatError:
            pass
    ordered = sorted(corpus, key=lambda p: p.begin)
    log(f"training the category router on {len(ordered):,} petitions ...")
    started = time.perf_counter()
    router = Router().train(
        [p.masked for p in ordered], [p.category for p in ordered],
        tokens=[list(p.tokens) for p in ordered],
    )  # fmt: skip
    log(f"  trained in {time.perf_counter() - started:.1f}s ({len(router.labels)} labels)")
    path.write_bytes(router.to_bytes())
    return router


# --- synthetic voices ------------------------------------------------------------------------


@dataclass
class Plan:
    """How N synthetic voices are made: bases, vocabulary, planted groups (deterministic)."""

    size: int
    bases: list[tuple[str, ...]]
    vocab: list[str]
    cum: list[int]
    groups: list[list[int]]  # voice ids of each planted group
    member_of: dict[int, int]  # voice id -> group index
    seeds: list[tuple[str, ...]]  # group index -> seed tokens


def make_plan(split: Split, size: int) -> Plan:
    """Bases, the token-frequency vocabulary and where the near-duplicate groups go."""
    counts = Counter(t for p in split.bases for t in p.tokens)
    vocab = [t for t, _ in counts.most_common()]
    cum = list(accumulate(counts[t] for t in vocab))
    rng = random.Random(SEED + size)
    n_groups = min(len(split.seeds), max(1, size // 200))
    sizes = [rng.randint(*DUP_SIZE) for _ in range(n_groups)]
    ids = rng.sample(range(1, size + 1), sum(sizes))
    groups, member_of, pos = [], {}, 0
    for g, n in enumerate(sizes):
        groups.append(sorted(ids[pos : pos + n]))
        member_of.update(dict.fromkeys(ids[pos : pos + n], g))
        pos += n
    return Plan(
        size=size, bases=[p.tokens for p in split.bases], vocab=vocab, cum=cum, groups=groups,
        member_of=member_of, seeds=[p.tokens for p in split.seeds[:n_groups]],
    )  # fmt: skip


def variant(
    rng: random.Random, tokens: Sequence[str], drop: float, add: int, plan: Plan
) -> list[str]:
    """``tokens`` with each dropped with probability ``drop`` and ``add`` frequent-by-corpus
    tokens inserted at random places."""
    rnd = rng.random
    kept = [t for t in tokens if rnd() >= drop]
    total = plan.cum[-1]
    for _ in range(add):
        word = plan.vocab[bisect_right(plan.cum, rnd() * total)]
        kept.insert(rng.randint(0, len(kept)), word)
    return kept


_PLAN: Plan | None = None  # set before the generator processes fork


def _generate_chunk(start: int) -> list[tuple[int, int, int, str, list[int]]]:
    """Voices ``start`` .. ``start + CHUNK - 1``: (id, base index or -1, group or -1, stored
    tokens, band keys). Depends only on the plan and ``start``, never on the process."""
    plan = _PLAN
    assert plan is not None
    rng = random.Random(SEED * 7919 + start)
    out = []
    for vid in range(start, min(start + CHUNK, plan.size + 1)):
        group = plan.member_of.get(vid, -1)
        if group >= 0:
            base = -1
            toks = variant(rng, plan.seeds[group], DUP_DROP, rng.randint(*DUP_ADD), plan)
        else:
            base = rng.randrange(len(plan.bases))
            toks = variant(rng, plan.bases[base], DROP, rng.randint(*ADD), plan)
        stored = stored_tokens(toks)
        keys = sorted(set(band_keys(matter_terms(parse_tokens(stored)))))
        out.append((vid, base, group, stored, keys))
    return out


def generate(plan: Plan) -> Iterator[list[tuple[int, int, int, str, list[int]]]]:
    """Chunks of synthetic voices in id order, made by one process per CPU."""
    global _PLAN
    _PLAN = plan
    starts = range(1, plan.size + 1, CHUNK)
    workers = max(1, min(os.cpu_count() or 1, len(starts)))
    if workers == 1:
        yield from map(_generate_chunk, starts)
        return
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(_generate_chunk, starts)


# --- building the index databases ------------------------------------------------------------


@dataclass
class Index:
    """A database holding N analysed voices of one office."""

    engine: str
    url: str
    size: int
    office_id: int
    reused: bool
    build_seconds: float


def _meta_key(size: int, split: Split) -> dict[str, Any]:
    return {
        "generator": GENERATOR_VERSION, "voices": size, "seed": SEED, "bases": len(split.bases),
        "seeds": len(split.seeds), "first_base": split.bases[0].id,
    }  # fmt: skip


def _sqlite_path(size: int) -> Path:
    return CACHE / f"analysis-{size}.db"


def _meta_path(engine: str, size: int) -> Path:
    return CACHE / f"analysis-{engine}-{size}.json"


def _read_meta(engine: str, size: int) -> dict[str, Any]:
    path = _meta_path(engine, size)
    return json.loads(path.read_text()) if path.exists() else {}


def _make_office(engine: Engine) -> int:
    with write_session(engine) as db:
        o = org.create_organization(db_session=db, code="ANALYSIS", name="분석 벤치마크")
        office = org.create_office(db_session=db, organization=o, code="AN", name="분석서")
        org.create_unit(
            db_session=db, office=office, code="AN01", name="민원실", is_front_desk=True
        )
        return office.id


def _unit_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT id FROM unit WHERE code = 'AN01'")).scalar_one())


VOICE_COLS = [
    "id", "office_id", "unit_id", "ledger_year", "ledger_seq", "ledger_no", "kind", "channel",
    "title", "body", "status", "received_at", "created_at", "updated_at", "extended",
    "extension_reason", "dong", "address", "receipt_secret_hash",
]  # fmt: skip
ANALYSIS_COLS = [
    "voice_id", "office_id", "masked_text", "pii_kinds", "alternatives", "auto_routed",
    "needs_triage", "sentiment", "anger", "distress", "urgent", "tone_label", "flags", "tokens",
    "terms", "channel", "received_at", "dong", "repeat_count", "mass", "analysed_at",
]  # fmt: skip
BAND_COLS = ["office_id", "band", "voice_id"]


def _rows(
    chunk: list[tuple[int, int, int, str, list[int]]],
    split: Split,
    office_id: int,
    unit_id: int,
    size: int,
) -> tuple[list[dict], list[dict], list[dict]]:
    """voice, voice_analysis and voice_band rows of one chunk (times as SQLite text)."""
    voices, analyses, bands = [], [], []
    for vid, base, group, stored, keys in chunk:
        source = split.bases[base] if base >= 0 else split.seeds[group]
        at = EPOCH + SPAN * (vid / size)
        stamp = at.strftime(SQLITE_FMT)
        channel = CHANNELS[vid % len(CHANNELS)]
        voices.append({
            "id": vid, "office_id": office_id, "unit_id": unit_id, "ledger_year": at.year,
            "ledger_seq": vid, "ledger_no": f"AN01-{at.year}-{vid:07d}", "kind": "complaint",
            "channel": channel, "title": source.title, "body": "", "status": "closed",
            "received_at": stamp, "created_at": stamp, "updated_at": stamp, "extended": 0,
            "extension_reason": "", "dong": "", "address": "", "receipt_secret_hash": "",
        })  # fmt: skip
        analyses.append({
            "voice_id": vid, "office_id": office_id, "masked_text": source.masked,
            "pii_kinds": "[]", "alternatives": "[]", "auto_routed": 0, "needs_triage": 0,
            "sentiment": 0.0, "anger": 0.0, "distress": 0.0, "urgent": 0,
            "tone_label": "neutral", "flags": "[]", "tokens": stored,
            "terms": terms_text(matter_terms(parse_tokens(stored))), "channel": channel,
            "received_at": stamp, "dong": "", "repeat_count": 0, "mass": 0,
            "analysed_at": stamp,
        })  # fmt: skip
        bands.extend({"office_id": office_id, "band": k, "voice_id": vid} for k in keys)
    return voices, analyses, bands


def build_sqlite(size: int, split: Split, rebuild: bool) -> Index:
    """The SQLite index database of ``size`` voices: reused from the cache or built."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = _sqlite_path(size)
    url = f"sqlite:///{path}"
    meta = _read_meta("sqlite", size)
    if not rebuild and meta.get("key") == _meta_key(size, split) and path.exists():
        log(f"\\[sqlite] reusing the cached {size:,}-voice index ({path})")
        return Index("sqlite", url, size, meta["office_id"], True, meta["build_seconds"])
    log(f"\\[sqlite] building a {size:,}-voice index ({path})")
    started = time.perf_counter()
    remove_sqlite(path)
    _meta_path("sqlite", size).unlink(missing_ok=True)
    migrate.upgrade(url)
    engine = make_engine(url)
    office_id = _make_office(engine)
    unit_id = _unit_id(engine)
    plan = make_plan(split, size)
    targets = [
        (table("voice", *map(column, VOICE_COLS))),
        (table("voice_analysis", *map(column, ANALYSIS_COLS))),
        (table("voice_band", *map(column, BAND_COLS))),
    ]
    done = 0
    with engine.connect() as conn:
        dbapi = conn.connection.dbapi_connection
        dbapi.execute("PRAGMA synchronous=OFF")
        dbapi.execute("PRAGMA cache_size=-1000000")
        for chunk in generate(plan):
            with conn.begin():
                for target, rows in zip(targets, _rows(chunk, split, office_id, unit_id, size),
                                        strict=True):  # fmt: skip
                    conn.execute(insert(target), rows)
            done += len(chunk)
            _progress("sqlite", done, size, started)
        dbapi.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    seconds = round(time.perf_counter() - started, 1)
    _write_meta("sqlite", size, split, office_id, seconds, plan)
    log(f"\\[sqlite] built in {seconds:.0f}s")
    return Index("sqlite", url, size, office_id, False, seconds)


def _write_meta(
    engine: str, size: int, split: Split, office_id: int, seconds: float, plan: Plan | None
) -> None:
    meta = {"key": _meta_key(size, split), "office_id": office_id, "build_seconds": seconds}
    _meta_path(engine, size).write_text(json.dumps(meta))
    if plan is not None:  # the planted groups, for the recall check
        groups = CACHE / f"analysis-groups-{size}.json"
        groups.write_text(json.dumps(plan.groups))


def _progress(engine: str, done: int, total: int, started: float) -> None:
    if done % 100_000 == 0 or done == total:
        rate = done / (time.perf_counter() - started)
        log(f"  \\[{engine}] {done:>9,} / {total:,} voices ({rate:,.0f}/s)")


def build_pg(size: int, split: Split, sqlite_index: Index, rebuild: bool) -> Index:
    """The PostgreSQL index database of ``size`` voices, copied from the SQLite one (COPY)."""
    name = f"{PG_PREFIX}_{size}"
    url = pg_url(name)
    meta = _read_meta("postgresql", size)
    if not rebuild and meta.get("key") == _meta_key(size, split) and pg_database_exists(name):
        log(f"\\[postgresql] reusing the cached {size:,}-voice index ({name})")
        return Index("postgresql", url, size, meta["office_id"], True, meta["build_seconds"])
    log(f"\\[postgresql] building a {size:,}-voice index ({name}) from the SQLite one")
    started = time.perf_counter()
    _meta_path("postgresql", size).unlink(missing_ok=True)
    recreate_pg_database(name)
    migrate.upgrade(url)
    engine = make_engine(url)
    office_id = _make_office(engine)
    if office_id != sqlite_index.office_id:
        raise RuntimeError("office ids differ between the SQLite and PostgreSQL databases")
    src = sqlite3.connect(sqlite_index.url.removeprefix("sqlite:///"))
    src.execute("PRAGMA cache_size=-1000000")
    raw = engine.raw_connection()
    try:
        pg = raw.driver_connection
        pg.execute("SET TIME ZONE 'UTC'")
        copies = [
            ("voice", VOICE_COLS, "SELECT {cols} FROM voice ORDER BY id"),
            ("voice_analysis", ANALYSIS_COLS, "SELECT {cols} FROM voice_analysis"),
            # the order intake writes them in (voice by voice), not the index's order
            ("voice_band", BAND_COLS, "SELECT {cols} FROM voice_band ORDER BY voice_id"),
        ]  # fmt: skip
        for tab, cols, query in copies:
            rows = src.execute(query.format(cols=", ".join(cols)))
            done = 0
            with pg.cursor() as cur, cur.copy(f"COPY {tab} ({', '.join(cols)}) FROM STDIN") as cp:
                while batch := rows.fetchmany(20_000):
                    for row in batch:
                        cp.write_row(row)
                    done += len(batch)
            log(f"  \\[postgresql] {tab}: {done:,} rows")
        pg.commit()
    finally:
        raw.close()
        src.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("SELECT setval('voice_id_seq', (SELECT max(id) FROM voice))")
        log("  [postgresql] VACUUM ANALYZE")
        conn.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    seconds = round(time.perf_counter() - started, 1)
    _write_meta("postgresql", size, split, office_id, seconds, None)
    log(f"\\[postgresql] built in {seconds:.0f}s")
    return Index("postgresql", url, size, office_id, False, seconds)


# --- 1. throughput ---------------------------------------------------------------------------


def _pin_one_core() -> Any:
    """Pin this thread to CPU 0 (its threads started later too); returns the old affinity."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    old = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {0})
    return old


def lean_matches(
    db: Session, office_id: int, terms: frozenset[str], candidates: int = 30, limit: int = 5
) -> list[tuple[float, int]]:
    """What-if, not minwon's code: ``similar.matches`` that asks ``similar.candidates`` for
    fewer voices and loads only their ids and tokens; (score, voice id), best first."""
    ids = similar.candidates(db, office_id=office_id, terms=terms, limit=candidates)
    if not ids:
        return []
    rows = db.execute(
        select(VoiceAnalysis.voice_id, VoiceAnalysis.tokens).where(VoiceAnalysis.voice_id.in_(ids))
    )
    found = [(jaccard(terms, matter_terms(parse_tokens(t))), v) for v, t in rows]
    found = [f for f in found if f[0] >= similar.SHOW]
    found.sort(key=lambda f: (-f[0], -f[1]))
    return found[:limit]


@dataclass
class Pipeline:
    """The variants timed on the same texts; each adds its stage times to ``spent``."""

    router: Any
    lookup_engine: Engine | None
    office_id: int

    def bare(self, text_: str, spent: dict[str, float]) -> None:
        """(a) Kiwi alone."""
        get_kiwi().tokenize(text_)

    def intake(self, text_: str, spent: dict[str, float], lookup: str = "") -> None:
        """(b) minwon's analysis of one intake text without the database; (c) with lookup."""
        clock = time.perf_counter
        t0 = clock()
        masked = mask(text_)
        t1 = clock()
        tokens = content_tokens(masked.text)
        t2 = clock()
        if tokens:
            self.router.predict_tokens(tokens)
        t3 = clock()
        analyse_tone(masked.text)
        t4 = clock()
        terms = matter_terms(parse_tokens(stored_tokens(tokens)))
        band_keys(terms)
        t5 = clock()
        spent["mask"] += t1 - t0
        spent["tokenize"] += t2 - t1
        spent["route"] += t3 - t2
        spent["tone"] += t4 - t3
        spent["bands"] += t5 - t4
        if lookup:
            assert self.lookup_engine is not None
            with Session(self.lookup_engine) as db:
                if lookup == "matches":
                    similar.matches(db, office_id=self.office_id, terms=terms, limit=5)
                else:
                    lean_matches(db, self.office_id, terms)
            spent["lookup"] += clock() - t5

    def with_lookup(self, text_: str, spent: dict[str, float]) -> None:
        """(c) = (b) + ``similar.matches``."""
        self.intake(text_, spent, lookup="matches")

    def with_lean_lookup(self, text_: str, spent: dict[str, float]) -> None:
        """(c') what-if = (b) + ``lean_matches``."""
        self.intake(text_, spent, lookup="lean")


Variant = Callable[[str, dict[str, float]], None]


def _round(variants: dict[str, Variant], texts: list[str], shift: int) -> dict[str, dict]:
    """One pass over the texts; each text goes through every variant back to back, in an order
    shuffled from text to text, so load on the machine (and warm caches) hit all alike."""
    names = list(variants)
    rng = random.Random(SEED + shift)
    spent = {k: dict.fromkeys(STAGES, 0.0) for k in names}
    wall = dict.fromkeys(names, 0.0)
    cpu = dict.fromkeys(names, 0.0)
    proc0, thread0 = time.process_time(), time.thread_time()
    order = list(names)
    for t in texts:
        rng.shuffle(order)
        for name in order:
            c0, w0 = time.thread_time(), time.perf_counter()
            variants[name](t, spent[name])
            wall[name] += time.perf_counter() - w0
            cpu[name] += time.thread_time() - c0
    proc, thread = time.process_time() - proc0, time.thread_time() - thread0
    n = len(texts)
    return {
        name: {
            "seconds": wall[name],
            "texts_per_s": n / wall[name],
            "texts_per_cpu_s": n / cpu[name] if cpu[name] else float("nan"),
            "other_threads_cpu_share": max(0.0, (proc - thread) / proc) if proc else 0.0,
            "stage_us": {s: v / n * 1e6 for s, v in spent[name].items()},
        }
        for name in names
    }


def run_throughput(args: argparse.Namespace, corpus: list[Petition], router: Any,
                   index: Index | None) -> dict[str, Any]:  # fmt: skip
    """Texts/s of (a) bare Kiwi, (b) intake analysis, (c) with lookup, on one core."""
    rng = random.Random(SEED)
    texts = [p.text for p in rng.sample(corpus, min(args.texts, len(corpus)))]
    engine = make_engine(index.url) if index else None
    pipe = Pipeline(router, engine, index.office_id if index else 0)
    variants: dict[str, Variant] = {"a": pipe.bare, "b": pipe.intake}
    if engine is not None:
        variants |= {"c": pipe.with_lookup, "c_lean": pipe.with_lean_lookup}
    old = _pin_one_core()
    try:
        log(f"throughput: {len(texts):,} texts x {args.rounds} round(s), variants "
            f"{', '.join(variants)}, pinned to CPU 0: {old is not None}")  # fmt: skip
        _round(variants, texts[:20], 0)  # warm-up: Kiwi, regexes, lexicon, router, connection
        rounds: dict[str, list[dict]] = {k: [] for k in variants}
        for r in range(args.rounds):
            res = _round(variants, texts, r)
            for name, fig in res.items():
                rounds[name].append(fig)
            log(f"  round {r + 1}: " + ", ".join(
                f"{k} {v['texts_per_s']:.1f}/s" for k, v in res.items()))  # fmt: skip
    finally:
        if old is not None:
            os.sched_setaffinity(0, old)
        if engine is not None:
            engine.dispose()
    out: dict[str, Any] = {"texts": len(texts), "rounds": args.rounds, "pinned": old is not None}
    out["chars_mean"] = sum(map(len, texts)) / len(texts)
    # content_tokens analyses at most MAX_CHARS characters; bare Kiwi gets the whole text
    out["chars_beyond_max_share"] = sum(max(0, len(t) - MAX_CHARS) for t in texts) / sum(
        map(len, texts)
    )
    out["lookup_index"] = {"url": index.url, "voices": index.size} if index else None
    for name, runs in rounds.items():
        out[name] = {
            "texts_per_s": statistics.median(r["texts_per_s"] for r in runs),
            "texts_per_cpu_s": statistics.median(r["texts_per_cpu_s"] for r in runs),
            "texts_per_s_rounds": [round(r["texts_per_s"], 2) for r in runs],
            "other_threads_cpu_share": max(r["other_threads_cpu_share"] for r in runs),
            "stage_us": {s: statistics.median(r["stage_us"][s] for r in runs) for s in STAGES},
        }
    for name in ("b", "c", "c_lean"):
        if name in out:
            out[f"ratio_{name}"] = out[name]["texts_per_s"] / out["a"]["texts_per_s"]
            out[f"ratio_{name}_cpu"] = out[name]["texts_per_cpu_s"] / out["a"]["texts_per_cpu_s"]
    return out


# --- 2. lookup latency -----------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """One lookup: the words, and the planted group it must find (or -1)."""

    terms: frozenset[str]
    group: int


def make_queries(split: Split, size: int, lookups: int) -> list[Query]:
    """Held-out petitions as they are, and a fresh rewording of each planted group's seed."""
    groups = json.loads((CACHE / f"analysis-groups-{size}.json").read_text())
    plan = make_plan(split, size)
    rng = random.Random(SEED - size)
    queries = [Query(_terms(p.tokens), -1) for p in split.plain[:lookups]]
    for g in range(len(groups)):
        toks = variant(rng, plan.seeds[g], DUP_DROP, 1, plan)
        queries.append(Query(_terms(toks), g))
    return queries


def _terms(tokens: Sequence[str]) -> frozenset[str]:
    """The words intake compares: of the stored (first ``MAX_STORED``) tokens."""
    return matter_terms(parse_tokens(stored_tokens(list(tokens))))


def run_lookups(index: Index, split: Split, args: argparse.Namespace) -> dict[str, Any]:
    """Latency of ``similar.matches`` over held-out and near-duplicate queries."""
    queries = make_queries(split, index.size, args.lookups)
    groups = json.loads((CACHE / f"analysis-groups-{index.size}.json").read_text())
    engine = make_engine(index.url)
    oid = index.office_id
    log(f"\\[{index.engine}] {index.size:,} voices: {len(queries)} lookups x {args.passes} passes")
    try:
        for q in queries:  # warm-up: one untimed pass (caches, as on a server that has run)
            with Session(engine) as db:
                similar.matches(db, office_id=oid, terms=q.terms, limit=5)
        passes, found_any, found_all, top5 = [], [], [], [[] for _ in queries]
        rng = random.Random(SEED)
        for p in range(args.passes):
            order = list(range(len(queries)))
            rng.shuffle(order)
            times = [0.0] * len(queries)
            for i in order:
                q = queries[i]
                with Session(engine) as db:
                    t0 = time.perf_counter()
                    got = similar.matches(db, office_id=oid, terms=q.terms, limit=5)
                    times[i] = (time.perf_counter() - t0) * 1e3
                if p == 0:
                    top5[i] = [(m.score, m.row.voice_id) for m in got]
                if p == 0 and q.group >= 0:
                    ids = {m.row.voice_id for m in got}
                    members = set(groups[q.group])
                    found_any.append(bool(ids & members))
                    found_all.append(len(ids & members) / len(members))
            passes.append(times)
        stats = _candidate_stats(engine, oid, queries, top5)
        worst = queries[max(range(len(queries)), key=stats["band_rows"].__getitem__)]
        plan = _explain(engine, oid, worst.terms)
    finally:
        engine.dispose()
    plain = [i for i, q in enumerate(queries) if q.group < 0]
    dups = [i for i, q in enumerate(queries) if q.group >= 0]

    def lat(idx: list[int]) -> dict[str, float]:
        per = [sorted(t[i] for i in idx) for t in passes]
        return {
            "n": len(idx),
            "p50_ms": statistics.median(percentile(v, 0.5) for v in per),
            "p95_ms": statistics.median(percentile(v, 0.95) for v in per),
            "p99_ms": statistics.median(percentile(v, 0.99) for v in per),
            "max_ms": statistics.median(v[-1] for v in per),
            "p95_ms_passes": [round(percentile(v, 0.95), 2) for v in per],
        }

    return {
        "engine": index.engine, "voices": index.size, "lookups": len(queries),
        "passes": args.passes, "build_seconds": index.build_seconds, "reused": index.reused,
        "all": lat(plain + dups), "held_out": lat(plain), "near_dup": lat(dups),
        **{k: _dist(v) for k, v in stats.items() if k != "same_top5"},
        "what_if_same_top5": {k: sum(v) / len(v) for k, v in stats["same_top5"].items()},
        "near_dup_recall_any": sum(found_any) / len(found_any) if found_any else None,
        "near_dup_recall_members": sum(found_all) / len(found_all) if found_all else None,
        "near_dup_groups": len(found_any),
        "queries_without_bands": sum(1 for q in queries if not band_keys(q.terms)),
        "plan_of_largest": plan,
    }  # fmt: skip


def _explain(engine: Engine, office_id: int, terms: frozenset[str]) -> list[str]:
    """The plan of the candidate query of the query that reads the most band rows."""
    from minwon.analysis.models import VoiceBand

    keys = band_keys(terms)
    hits = func.count().label("hits")
    query = (
        select(VoiceBand.voice_id, hits)
        .where(VoiceBand.office_id == office_id, VoiceBand.band.in_(keys))
        .group_by(VoiceBand.voice_id)
        .order_by(hits.desc(), VoiceBand.voice_id.desc())
        .limit(similar.CANDIDATES)
    )
    with engine.connect() as conn:
        sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}").all()
            return [str(r[-1]) for r in rows]
        rows = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) {sql}").all()
        return [str(r[0]) for r in rows]


def _dist(values: list[float]) -> dict[str, float]:
    v = sorted(values)
    return {"p50": percentile(v, 0.5), "p95": percentile(v, 0.95), "max": v[-1] if v else 0}


def _candidate_stats(
    engine: Engine, office_id: int, queries: list[Query], top5: list[list[tuple[float, int]]]
) -> dict[str, Any]:
    """Per query: ``len(candidates)`` (capped at 100), band rows read and distinct voices
    sharing a band (uncapped); and what-if timings, not minwon's code path: ``candidates``
    alone, and ``lean_matches`` with 100 and 30 candidates (does it give the same top 5?)."""
    from minwon.analysis.models import VoiceBand

    out: dict[str, Any] = {
        k: [] for k in ("candidates", "band_rows", "voices_sharing_a_band", "candidates_only_ms",
                        "lean_100_ms", "lean_30_ms")
    }  # fmt: skip
    same: dict[str, list[bool]] = {"lean_100": [], "lean_30": []}
    clock = time.perf_counter
    for q, expected in zip(queries, top5, strict=True):
        keys = band_keys(q.terms)
        with Session(engine) as db:
            t0 = clock()
            ids = similar.candidates(db, office_id=office_id, terms=q.terms)
            out["candidates_only_ms"].append((clock() - t0) * 1e3)
            out["candidates"].append(len(ids))
            if keys:
                where = (VoiceBand.office_id == office_id, VoiceBand.band.in_(keys))
                rows = db.scalar(select(func.count()).where(*where)) or 0
                voices = select(func.count(func.distinct(VoiceBand.voice_id))).where(*where)
                out["band_rows"].append(rows)
                out["voices_sharing_a_band"].append(db.scalar(voices) or 0)
            else:
                out["band_rows"].append(0)
                out["voices_sharing_a_band"].append(0)
        for n in (100, 30):
            with Session(engine) as db:
                t0 = clock()
                got = lean_matches(db, office_id, q.terms, candidates=n)
                out[f"lean_{n}_ms"].append((clock() - t0) * 1e3)
            same[f"lean_{n}"].append([v for _, v in got] == [v for _, v in expected])
    out["same_top5"] = same
    return out


# --- 3. index size ---------------------------------------------------------------------------


def index_size(index: Index) -> dict[str, Any]:
    """Bytes of the band index and of the stored tokens, and per million voices (MB = 10^6 B)."""
    engine = make_engine(index.url)
    try:
        with engine.connect() as conn:
            if index.engine == "sqlite":
                band = conn.execute(
                    text("SELECT SUM(pgsize) FROM dbstat WHERE name = 'voice_band'")
                ).scalar_one()
                analysis = conn.execute(
                    text("SELECT SUM(pgsize) FROM dbstat WHERE name = 'voice_analysis'")
                ).scalar_one()
                tokens = conn.execute(
                    text("SELECT SUM(length(CAST(tokens AS BLOB))) FROM voice_analysis")
                ).scalar_one()
                tokens_kind = "UTF-8 bytes of tokens"
            else:
                band = conn.execute(
                    text("SELECT pg_total_relation_size('voice_band')")
                ).scalar_one()
                analysis = conn.execute(
                    text("SELECT pg_total_relation_size('voice_analysis')")
                ).scalar_one()
                tokens = conn.execute(
                    text("SELECT SUM(pg_column_size(tokens)) FROM voice_analysis")
                ).scalar_one()
                tokens_kind = "pg_column_size(tokens) (TOAST-compressed)"
            rows = conn.execute(text("SELECT count(*) FROM voice_band")).scalar_one()
    finally:
        engine.dispose()
    per_m = 1e6 / index.size / 1e6
    return {
        "engine": index.engine, "voices": index.size, "band_rows": rows,
        "band_bytes": int(band), "tokens_bytes": int(tokens or 0),
        "voice_analysis_bytes": int(analysis), "tokens_measure": tokens_kind,
        "band_mb_per_million": band * per_m, "tokens_mb_per_million": (tokens or 0) * per_m,
        "voice_analysis_mb_per_million": analysis * per_m,
    }  # fmt: skip


# --- tables ----------------------------------------------------------------------------------


def throughput_table(res: dict[str, Any]) -> Table:
    """Texts/s per variant and the stages."""
    t = Table(
        title=f"Intake analysis on one core — {res['texts']:,} petitions "
        f"(mean {res['chars_mean']:,.0f} chars), median of {res['rounds']} round(s)",
        title_justify="left",
    )
    for col in ("variant", "texts/s", "texts/CPU s", "vs (a)", *[f"{s} µs" for s in STAGES]):
        t.add_column(col, justify="left" if col == "variant" else "right")
    labels = {
        "a": "(a) bare kiwi.tokenize", "b": "(b) analysis, no DB", "c": "(c) + lookup",
        "c_lean": "(c') what-if: lean lookup",
    }  # fmt: skip
    for name in labels:
        if name not in res:
            continue
        fig = res[name]
        ratio = "100%" if name == "a" else f"{res[f'ratio_{name}']:.1%}"
        stages = [f"{fig['stage_us'][s]:,.0f}" if fig["stage_us"][s] else "—" for s in STAGES]
        t.add_row(labels[name], f"{fig['texts_per_s']:.1f}", f"{fig['texts_per_cpu_s']:.1f}",
                  ratio, *stages)  # fmt: skip
    lookup = res.get("lookup_index")
    t.caption = "aim: (b) and (c) ≥ 70% of (a)" + (
        f"; (c) looks up in the SQLite index of {lookup['voices']:,} voices" if lookup else ""
    )
    t.caption += (
        f"; {res['chars_beyond_max_share']:.1%} of the characters lie beyond MAX_CHARS "
        f"({MAX_CHARS:,}): bare Kiwi reads them, minwon does not"
    )
    t.caption_justify = "left"
    return t


def lookup_table(results: list[dict[str, Any]]) -> Table:
    """Latency, candidates and recall per engine and size."""
    t = Table(title="Similar-voice lookup (similar.matches, limit 5)", title_justify="left")
    cols = ("engine", "voices", "lookups", "p50 ms", "p95 ms", "p99 ms", "max ms",
            "cand. p50/p95/max", "sharing a band p50/p95/max", "near-dup recall")  # fmt: skip
    for col in cols:
        t.add_column(col, justify="left" if col == "engine" else "right")
    for r in results:
        a, c, d = r["all"], r["candidates"], r["voices_sharing_a_band"]
        recall = r["near_dup_recall_any"]
        t.add_row(
            r["engine"], f"{r['voices']:,}", f"{r['lookups']:,}", f"{a['p50_ms']:.2f}",
            f"{a['p95_ms']:.2f}", f"{a['p99_ms']:.2f}", f"{a['max_ms']:.1f}",
            f"{c['p50']:.0f} / {c['p95']:.0f} / {c['max']:.0f}",
            f"{d['p50']:,.0f} / {d['p95']:,.0f} / {d['max']:,.0f}",
            "—" if recall is None else f"{recall:.1%} ({r['near_dup_groups']} groups)",
        )  # fmt: skip
    t.caption = (
        "aim: p95 < 20 ms at 1M voices; after one untimed pass, latency = median over passes "
        "of each pass's figure; recall = share of planted groups with a member in the top 5"
    )
    t.caption_justify = "left"
    return t


def what_if_table(results: list[dict[str, Any]]) -> Table:
    """Where lookup time goes, and what a leaner ``matches`` would take (one pass each)."""
    t = Table(title="Lookup what-ifs (not minwon's code path)", title_justify="left")
    cols = ("engine", "voices", "matches p50/p95 ms", "candidates() alone", "lean, 100 cand.",
            "lean, 30 cand.", "same top 5 (30 cand.)")  # fmt: skip
    for col in cols:
        t.add_column(col, justify="left" if col == "engine" else "right")
    for r in results:
        a = r["all"]

        def pair(key: str, fig: dict[str, Any] = r) -> str:
            return f"{fig[key]['p50']:.2f} / {fig[key]['p95']:.2f}"

        t.add_row(
            r["engine"], f"{r['voices']:,}", f"{a['p50_ms']:.2f} / {a['p95_ms']:.2f}",
            pair("candidates_only_ms"), pair("lean_100_ms"), pair("lean_30_ms"),
            f"{r['what_if_same_top5']['lean_30']:.1%}",
        )  # fmt: skip
    t.caption = (
        "lean = similar.candidates(limit=N), then only voice_id and tokens loaded and scored "
        "(lean_matches in this file); p50 / p95 ms"
    )
    t.caption_justify = "left"
    return t


def size_table(results: list[dict[str, Any]]) -> Table:
    """Bytes per million voices."""
    t = Table(title="Index size (MB = 10^6 bytes)", title_justify="left")
    for col in ("engine", "voices", "band rows", "voice_band MB", "MB / 1M voices",
                "tokens MB / 1M voices", "voice_analysis MB / 1M voices"):  # fmt: skip
        t.add_column(col, justify="left" if col == "engine" else "right")
    for r in results:
        t.add_row(
            r["engine"], f"{r['voices']:,}", f"{r['band_rows']:,}", f"{r['band_bytes'] / 1e6:,.1f}",
            f"{r['band_mb_per_million']:,.0f}", f"{r['tokens_mb_per_million']:,.0f}",
            f"{r['voice_analysis_mb_per_million']:,.0f}",
        )  # fmt: skip
    return t


# --- main ------------------------------------------------------------------------------------


def _show(tab: Table) -> None:
    """Print a table at full width even when the output is not a terminal."""
    Console(highlight=False, width=max(console.width, 150)).print(tab)


def _engines(choice: str) -> list[str]:
    engines = ["sqlite", "postgresql"] if choice == "both" else [choice]
    engines = ["postgresql" if e == "pg" else e for e in engines]
    if "postgresql" in engines and not pg_reachable():
        log("PostgreSQL is not reachable: skipping it")
        engines.remove("postgresql")
    return engines


def main(argv: list[str] | None = None) -> int:
    """Run what the arguments ask for, print the tables, save the JSON."""
    args = parse_args(argv)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = args.out or RESULTS / f"analysis-{stamp}.json"
    started = time.perf_counter()
    results: dict[str, Any] = {"started": stamp, "args": dict(vars(args))}
    results["machine"] = {
        "cpus": os.cpu_count(), "python": platform.python_version(),
        "platform": platform.platform(), "sqlite": sqlite3.sqlite_version,
        "loadavg_start": os.getloadavg(),
    }  # fmt: skip
    engines = _engines(args.engine)
    corpus = load_corpus(args.quick)
    split = split_corpus(corpus, args.quick)
    log(f"corpus: {len(corpus):,} petitions; held out {len(split.plain)} queries and "
        f"{len(split.seeds)} near-duplicate seeds; {len(split.bases):,} bases")  # fmt: skip
    sqlite_indexes = {n: build_sqlite(n, split, args.rebuild) for n in args.size_list}
    indexes = {("sqlite", n): ix for n, ix in sqlite_indexes.items()}
    if "postgresql" in engines and args.only != "throughput":
        for n in args.size_list:
            indexes[("postgresql", n)] = build_pg(n, split, sqlite_indexes[n], args.rebuild)
    if args.only in (None, "throughput"):
        router = train_router(corpus)
        smallest = sqlite_indexes[min(args.size_list)] if args.size_list else None
        results["throughput"] = run_throughput(args, corpus, router, smallest)
        report.write_json(results, out)
        _show(throughput_table(results["throughput"]))
    if args.only in (None, "lookup"):
        lookups, sizes = [], []
        for engine in engines:
            for n in args.size_list:
                lookups.append(run_lookups(indexes[(engine, n)], split, args))
                sizes.append(index_size(indexes[(engine, n)]))
                results["lookup"], results["size"] = lookups, sizes
                report.write_json(results, out)
        _show(lookup_table(lookups))
        _show(what_if_table(lookups))
        _show(size_table(sizes))
    results["machine"]["loadavg_end"] = os.getloadavg()
    results["seconds"] = round(time.perf_counter() - started, 1)
    report.write_json(results, out)
    if "throughput" in results:
        _show(throughput_table(results["throughput"]))
    log(f"all done in {results['seconds']:.0f}s; results written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
