"""Learning between trainings: every transfer by staff is a routing label.

The worker reads the transfers recorded since it last looked (a cursor, so each is used once),
takes the moved voice's content words from its analysis, and nudges the organisation's active
unit model towards the unit the voice was moved to (``Router.partial_fit``: small constant
steps, so one noisy correction cannot undo what training taught, while repeated ones flip the
suggestion). The result is stored as a new model version; a full ``minwon analysis train``
later starts again from all answered voices and takes in new units and words.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from minwon.analysis import service
from minwon.analysis.models import AnalysisCursor, RoutingModel, VoiceAnalysis
from minwon.analysis.similarity import parse_tokens
from minwon.analysis.training import store_model
from minwon.org import service as org_service
from minwon.voices import history

CURSOR = "transfers"
BATCH = 500


@dataclass(frozen=True)
class Learned:
    """What one round of learning from transfers did."""

    read: int
    learned: int
    skipped: int
    model_ids: list[int]


def _cursor(db: Session) -> AnalysisCursor:
    row = db.get(AnalysisCursor, CURSOR, with_for_update=True)
    if row is None:
        row = AnalysisCursor(name=CURSOR, position=0)
        db.add(row)
    return row


def learn_from_transfers(db: Session, *, limit: int = BATCH) -> Learned:
    """Teach each office's unit model the transfers into it recorded since the last round.

    Runs in the caller's write transaction; a transfer to a unit the model does not know yet,
    or of a voice without analysed words, is skipped (the next full training covers it).
    """
    cursor = _cursor(db)
    transfers = history.transfers_since(db_session=db, after=cursor.position, limit=limit)
    if not transfers:
        return Learned(0, 0, 0, [])
    cursor.position = transfers[-1].event_id
    words = _words(db, [t.from_voice_id for t in transfers])
    by_office: dict[tuple[int, int], list[tuple[list[str], str]]] = defaultdict(list)
    skipped = 0
    for t in transfers:
        tokens = words.get(t.from_voice_id)
        if not tokens or not t.unit_code:
            skipped += 1
            continue
        org_id = org_service.get_office(db_session=db, office_id=t.office_id).organization_id
        by_office[org_id, t.office_id].append((tokens, t.unit_code))
    learned, model_ids = 0, []
    for (org_id, office_id), examples in by_office.items():
        model_id, used = _teach(db, org_id, office_id, examples)
        skipped += len(examples) - used
        learned += used
        if model_id is not None:
            model_ids.append(model_id)
    return Learned(len(transfers), learned, skipped, model_ids)


def _words(db: Session, voice_ids: list[int]) -> dict[int, list[str]]:
    query = select(VoiceAnalysis.voice_id, VoiceAnalysis.tokens).where(
        VoiceAnalysis.voice_id.in_(voice_ids)
    )
    return {voice_id: parse_tokens(tokens) for voice_id, tokens in db.execute(query)}


def _teach(
    db: Session, organization_id: int, office_id: int, examples: list[tuple[list[str], str]]
) -> tuple[int | None, int]:
    from minwon.analysis.classifier import Router

    active = db.scalar(
        select(RoutingModel)
        .where(
            RoutingModel.organization_id == organization_id,
            RoutingModel.target == "unit",
            RoutingModel.active.is_(True),
            (RoutingModel.office_id == office_id) | RoutingModel.office_id.is_(None),
        )
        .order_by(RoutingModel.office_id.is_(None), RoutingModel.id.desc())
    )
    if active is None:
        return None, 0
    router = Router.from_bytes(active.blob)
    known = set(router.labels)
    usable = [(tokens, label) for tokens, label in examples if label in known]
    if not usable:
        return None, 0
    router.partial_fit(
        [" ".join(tokens) for tokens, _ in usable],
        [label for _, label in usable],
        tokens=[tokens for tokens, _ in usable],
    )
    metrics = dict(active.metrics)
    metrics["corrections"] = int(metrics.get("corrections", 0)) + len(usable)
    metrics["learned_from"] = active.metrics.get("learned_from", active.id)
    row = store_model(
        db,
        organization_id=organization_id,
        target="unit",
        blob=router.to_bytes(),
        n_train=active.n_train,
        metrics=metrics,
        office_id=active.office_id,
    )
    if "corrections" in active.metrics:
        # an intermediate version: the trained base and the newest are what is worth keeping
        db.execute(delete(RoutingModel).where(RoutingModel.id == active.id))
    service.forget_models()
    return row.id, len(usable)
