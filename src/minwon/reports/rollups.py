"""Keeping the rollups current: the worker reads the ledger's new events, the new survey
invitations and responses (each through its own cursor, in the same transaction as the counts it
adds, so nothing is counted twice or lost) and adds them to the day rows and, in the same
round, to the month, unit, office and all-office rows derived from them (``reports.cuboids``).

A voice counts as received on its receipt day (KST) in the unit that received it; a transfer
counts out of the old unit and in at the new one. An answer counts on its answer day, on time
when it was sent by the deadline; an imported voice answered (or closed) before it came to
minwon counts so on its answer day too. Survey invitations count on the day they were made (only
those sent to a citizen: ``surveys.invitations.ASKED_VIA``), and an answered invitation counts
on its invitation's row, whenever the answer came, so no row ever has more answered invitations
than invitations. The answers themselves (their number and sums, and the answers without an
invitation) count on the day they were given. A response is read only once its invitation has
been counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from itertools import takewhile

from sqlalchemy import Date, Engine, cast, delete, func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from minwon import commit_order
from minwon.commit_order import Position
from minwon.db import write_session
from minwon.reports import cuboids
from minwon.reports.cuboids import MONTH, SURVEY, VOICE, Cuboid
from minwon.reports.models import RollupCursor
from minwon.surveys import invitations
from minwon.surveys.models import SurveyInvitation, SurveyResponse
from minwon.timeutil import as_aware, to_kst
from minwon.voices import history, queries

KINDS = ("received", "answer_sent", "closed", "reopened", "transferred", "imported")
BATCH = 5000

VoiceKey = tuple[int, date, int, int, str]
SurveyKey = tuple[int, date, int, int, int, str]


@dataclass(frozen=True)
class Updated:
    """How many events, invitations and responses one round added to the rollups."""

    events: int
    invitations: int
    responses: int

    @property
    def total(self) -> int:
        """Everything read this round."""
        return self.events + self.invitations + self.responses


def day_of(at: datetime) -> date:
    """The Korean calendar day of an instant."""
    return to_kst(as_aware(at)).date()


def _cursor(db: Session, name: str) -> RollupCursor:
    row = db.get(RollupCursor, name, with_for_update=True)
    if row is None:
        row = RollupCursor(name=name, position=0)
        db.add(row)
        db.flush()
    return row


def _voice_counts(db: Session, events: list[tuple[Position, int, str]]) -> dict[VoiceKey, dict]:
    facts = queries.count_facts(db_session=db, ids=sorted({v for _, v, _ in events}))
    counts: dict[VoiceKey, dict] = defaultdict(lambda: defaultdict(float))
    for _, voice_id, kind in events:
        f = facts.get(voice_id)
        if f is None or (kind == "imported" and f.answered_at is None):
            continue
        when = f.received_at if kind in ("received", "transferred") else f.answered_at
        if kind in ("closed", "reopened") or when is None:
            when = f.answered_at or f.received_at
        key = (f.office_id, day_of(when), f.unit_id, f.category_id or 0, f.channel)
        c = counts[key]
        if kind == "received":
            c["received"] += 1
        elif kind == "transferred":
            c["transferred_out"] += 1
        elif kind in ("answer_sent", "imported") and f.answered_at is not None:
            c["closed"] += int(kind == "imported" and f.closed_at is not None)
            c["answered"] += 1
            late = f.due_at is not None and as_aware(f.answered_at) > as_aware(f.due_at)
            c["late" if late else "on_time"] += 1
            hours = (as_aware(f.answered_at) - as_aware(f.received_at)).total_seconds() / 3600
            c["answer_hours"] += max(hours, 0.0)
        elif kind in ("closed", "reopened"):
            c[kind] += 1
    return counts


def _upsert(db: Session, cuboid: Cuboid, rows: dict[tuple, dict[str, float]]) -> None:
    """Add sums to a table's rows, creating the rows that do not exist yet, in one statement
    per table (an upsert: two workers adding to one row both count)."""
    table = cuboid.model.__table__
    measures = cuboid.measures
    kind = {m: table.c[m].type.python_type for m in measures}  # counts as int, sums as float
    names = cuboid.key_names
    values = [
        {**dict(zip(names, key, strict=True)), **{m: kind[m](sums.get(m, 0)) for m in measures}}
        for key, sums in rows.items()
    ]
    if not values:
        return
    upsert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = upsert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(names),
        set_={m: table.c[m] + stmt.excluded[m] for m in measures},
    )
    db.execute(stmt, values)


def _add(db: Session, family: str, key_names: tuple[str, ...], counts: dict) -> None:
    """Add the base day rows' sums to every table of the family."""
    per_table: dict[Cuboid, dict[tuple, dict[str, float]]] = {
        c: defaultdict(lambda: defaultdict(float)) for c in cuboids.of_family(family)
    }
    for key, values in counts.items():
        full = dict(zip(key_names, key, strict=True))
        for cuboid, rows in per_table.items():
            row = rows[cuboid.key(full)]
            for name, value in values.items():
                row[name] += value
    for cuboid, rows in per_table.items():
        _upsert(db, cuboid, rows)


_VOICE_KEY = ("office_id", "day", "unit_id", "category_id", "channel")
_SURVEY_KEY = ("office_id", "day", "unit_id", "officer_id", "category_id", "channel")


def _survey_key(row: SurveyInvitation | SurveyResponse, at: datetime) -> SurveyKey:
    return (
        row.office_id,
        day_of(at),
        row.unit_id or 0,
        row.officer_id or 0,
        row.category_id or 0,
        row.channel or "",
    )


def _invitation_counts(rows: Iterable[SurveyInvitation]) -> dict[SurveyKey, dict]:
    counts: dict[SurveyKey, dict] = defaultdict(lambda: defaultdict(float))
    for r in rows:
        if invitations.asks(r.via):
            counts[_survey_key(r, r.created_at)]["invitations"] += 1
    return counts


def _response_counts(
    rows: Iterable[tuple[SurveyResponse, SurveyInvitation]],
) -> dict[SurveyKey, dict]:
    counts: dict[SurveyKey, dict] = defaultdict(lambda: defaultdict(float))
    for r, invitation in rows:
        c = counts[_survey_key(r, r.submitted_at)]
        c["responses"] += 1
        if invitations.asks(invitation.via):
            counts[_survey_key(invitation, invitation.created_at)]["invited_responses"] += 1
        else:
            c["uninvited_responses"] += 1
        if r.csat is not None:
            c["csat_n"] += 1
            c["csat_sum"] += r.csat
            c["csat_sq"] += r.csat * r.csat
            c["top2"] += int(r.csat >= 4)
        if r.nps is not None:
            c["nps_n"] += 1
            c["nps_sum"] += r.nps
            c["promoters"] += int(r.nps >= 9)
            c["detractors"] += int(r.nps <= 6)
    return counts


def update_once(db: Session, *, batch: int = BATCH) -> Updated:
    """Add one batch of each stream to the rollups in the caller's write transaction."""
    events_cursor = _cursor(db, "events")
    events = history.changes_since(
        db_session=db, kinds=KINDS, after=commit_order.position_of(events_cursor), limit=batch
    )
    if events:
        _add(db, VOICE, _VOICE_KEY, _voice_counts(db, events))
        commit_order.move(events_cursor, events[-1][0])
    invites_cursor = _cursor(db, "invitations")
    invites = list(
        db.scalars(
            commit_order.after(
                select(SurveyInvitation),
                SurveyInvitation.txid,
                SurveyInvitation.id,
                commit_order.position_of(invites_cursor),
            ).limit(batch)
        )
    )
    if invites:
        _add(db, SURVEY, _SURVEY_KEY, _invitation_counts(invites))
        commit_order.move(invites_cursor, _position(invites[-1]))
    counted = commit_order.position_of(invites_cursor)
    responses_cursor = _cursor(db, "responses")
    rows = db.execute(
        commit_order.after(
            select(SurveyResponse, SurveyInvitation).join(
                SurveyInvitation, SurveyInvitation.id == SurveyResponse.invitation_id
            ),
            SurveyResponse.txid,
            SurveyResponse.id,
            commit_order.position_of(responses_cursor),
        ).limit(batch)
    )
    # an answer waits for its invitation to be counted (a later batch of invitations)
    ready = [(r, i) for r, i in takewhile(lambda row: _position(row[1]) <= counted, rows)]
    if ready:
        _add(db, SURVEY, _SURVEY_KEY, _response_counts(ready))
        commit_order.move(responses_cursor, _position(ready[-1][0]))
    return Updated(len(events), len(invites), len(ready))


def _position(row: SurveyInvitation | SurveyResponse) -> Position:
    return Position(row.txid, row.id)


def update(engine: Engine, *, batch: int = BATCH) -> Updated:
    """Bring the rollups up to date, batch by batch, each batch in its own transaction:
    everything written before it began (``commit_order.settle``), and what has ended since."""
    commit_order.settle(engine)
    events = invites = responses = 0
    while True:
        with write_session(engine) as db:
            done = update_once(db, batch=batch)
        events, invites, responses = (
            events + done.events,
            invites + done.invitations,
            responses + done.responses,
        )
        if max(done.events, done.invitations, done.responses) < batch:
            return Updated(events, invites, responses)


def rebuild_derived(engine: Engine) -> dict[str, int]:
    """Refill every month and all-office table from the day tables (after a bulk load or a
    repair); returns the rows each table has now."""
    rows: dict[str, int] = {}
    with write_session(engine) as db:
        for family in (VOICE, SURVEY):
            source = cuboids.base(family)
            for target in cuboids.of_family(family)[1:]:
                rows[target.model.__tablename__] = _refill(db, source, target)
    return rows


def _refill(db: Session, source: Cuboid, target: Cuboid) -> int:
    """Empty ``target`` and sum ``source`` into it, written in primary-key order so that the
    rows a dashboard reads together (an office's months) sit together on disk."""
    postgres = db.get_bind().dialect.name == "postgresql"
    src = source.model.__table__
    dst = target.model.__table__
    day = src.c.day
    if target.grain == MONTH:
        day = (
            cast(func.date_trunc("month", src.c.day), Date)
            if postgres
            else func.date(src.c.day, "start of month")
        )
    keys = {"day": day.label("day"), **{d: src.c[d] for d in target.dims}}
    sums = [func.sum(src.c[m]).label(m) for m in target.measures]
    order = [keys[c.name] for c in dst.primary_key.columns]
    query = select(*keys.values(), *sums).group_by(*keys.values()).order_by(*order)
    # TRUNCATE leaves no dead rows behind on PostgreSQL (a DELETE would double the table)
    db.execute(text(f"TRUNCATE {dst.name}") if postgres else delete(dst))
    db.execute(insert(dst).from_select([*keys, *target.measures], query))
    if postgres:
        db.execute(text(f"ANALYZE {dst.name}"))
    return int(db.scalar(select(func.count()).select_from(dst)) or 0)
