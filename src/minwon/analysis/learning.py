"""Learning between trainings: every transfer by staff is a routing label.

The worker reads the transfers recorded since it last looked (a cursor, so each is used once),
takes the moved voice's content words from its analysis, and nudges the active unit models —
the office's and the organisation-wide one — towards the unit the voice was moved to
(``Router.partial_fit``: small constant steps, so one noisy correction cannot undo what
training taught, while repeated ones flip the suggestion). The result is stored as a new model
version; a full ``minwon analysis train`` later starts again from all answered voices and
takes in new units and words.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from minwon import commit_order
from minwon.analysis import service
from minwon.analysis.models import AnalysisCursor, RoutingModel, VoiceAnalysis
from minwon.analysis.similarity import parse_tokens
from minwon.analysis.training import active_models, store_model
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
    """Teach the unit models the transfers recorded since the last round: each office's model
    the transfers into its units, and the organisation-wide model (which answers HQ and
    offices without a model of their own) every transfer of the organisation.

    Runs in the caller's write transaction; a transfer to a unit no model knows yet, or of a
    voice without analysed words, is skipped (the next full training covers it).
    """
    cursor = _cursor(db)
    transfers = history.transfers_since(
        db_session=db, after=commit_order.position_of(cursor), limit=limit
    )
    if not transfers:
        return Learned(0, 0, 0, [])
    commit_order.move(cursor, transfers[-1].position)
    words = _words(db, [t.from_voice_id for t in transfers])
    examples: list[tuple[list[str], str]] = []
    # (organisation, office) → positions in examples; office None: the organisation-wide model
    by_model: dict[tuple[int, int | None], list[int]] = defaultdict(list)
    for t in transfers:
        tokens = words.get(t.from_voice_id)
        if tokens and t.unit_code:
            org_id = org_service.get_office(db_session=db, office_id=t.office_id).organization_id
            by_model[org_id, t.office_id].append(len(examples))
            by_model[org_id, None].append(len(examples))
            examples.append((tokens, t.unit_code))
    taught: set[int] = set()
    model_ids = []
    for (org_id, office_id), positions in by_model.items():
        active = next(iter(active_models(db, org_id, "unit", office_id)), None)
        model_id, used = _teach(db, active, [examples[i] for i in positions])
        taught.update(positions[u] for u in used)
        if model_id is not None:
            model_ids.append(model_id)
    return Learned(len(transfers), len(taught), len(transfers) - len(taught), model_ids)


def _words(db: Session, voice_ids: list[int]) -> dict[int, list[str]]:
    query = select(VoiceAnalysis.voice_id, VoiceAnalysis.tokens).where(
        VoiceAnalysis.voice_id.in_(voice_ids)
    )
    return {voice_id: parse_tokens(tokens) for voice_id, tokens in db.execute(query)}


def _teach(
    db: Session, active: RoutingModel | None, examples: list[tuple[list[str], str]]
) -> tuple[int | None, list[int]]:
    """Teach ``active`` the examples whose unit it knows; store the result as its new version.

    Returns the new model's id (None when nothing was learnt) and which examples were used.
    """
    from minwon.analysis.classifier import Router

    if active is None:
        return None, []
    router = Router.from_bytes(active.blob)
    known = set(router.labels)
    used = [i for i, (_, label) in enumerate(examples) if label in known]
    if not used:
        return None, []
    router.partial_fit(
        [" ".join(examples[i][0]) for i in used],
        [examples[i][1] for i in used],
        tokens=[examples[i][0] for i in used],
    )
    metrics = dict(active.metrics)
    metrics["corrections"] = int(metrics.get("corrections", 0)) + len(used)
    metrics["learned_from"] = active.metrics.get("learned_from", active.id)
    row = store_model(
        db,
        organization_id=active.organization_id,
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
    return row.id, used
