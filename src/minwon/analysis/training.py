"""Training the routing models from an organisation's own answered voices.

Labels are where each answered voice ended up (its unit after any transfer, or the unit that
unit was merged into) and its category; every transfer or re-categorisation by staff is
therefore a correction the next training learns from. Units' duties (업무분장) are examples
too. Metrics come from a time-ordered hold-out (train on older, test on newer), then the
stored model is refitted on everything.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.analysis import service
from minwon.analysis.masking import mask_text
from minwon.analysis.models import RoutingModel, VoiceAnalysis
from minwon.analysis.similarity import parse_tokens
from minwon.errors import Invalid
from minwon.org import service as org_service
from minwon.org import unit_status
from minwon.org.models import Unit
from minwon.voices import queries

MIN_EXAMPLES = 20
TRAINING_THREADS = -1
"""Threads a training uses (scikit-learn's ``n_jobs``: -1 is every core). Training is a batch
job, and one-vs-rest learning splits over units into the same model: on 2 cores 100k voices
train in 117.5 s instead of 205 s (``bench/routing_scale.py``, bench/results)."""
_CHUNK = 900


@dataclass(frozen=True)
class Trained:
    """What one training produced: the stored model's id, its office (unit models) and its
    hold-out figures."""

    target: str
    model_id: int
    n_train: int
    metrics: dict[str, Any]
    office: str = ""  # the office code of a unit model


Example = tuple[str, str, list[str] | None]  # masked text, label, stored content tokens


def _examples(db: Session, organization_id: int, target: str) -> list[Example]:
    """What routing learns from, oldest first: the duties (업무분장) of units that take
    voices, then every answered voice with where it ended up.

    For units, a merged unit's voices count as its successor's and a closed unit's are left
    out: routing suggests only units that take voices now, and old units' history would
    only compete with them. Content tokens stored at intake are reused (tokenising 100k
    voices again would take most of the training time).
    """
    rows = queries.labelled(db_session=db, organization_id=organization_id, target=target)
    stored = stored_readings(db, [voice_id for voice_id, *_ in rows])
    labels = unit_status.learning_labels(db) if target == "unit" else None
    examples: list[Example] = []
    if target == "unit":
        offices = org_service.office_ids_of(db_session=db, organization_id=organization_id)
        examples += [(d, code, None) for code, d in unit_status.duties_of(db, offices).items()]
    for voice_id, title, body, code in rows:
        label = labels.get(code) if labels is not None else code
        if label is None:
            continue
        masked, tokens = stored.get(voice_id, ("", ""))
        text = masked or mask_text(service.analysis_text(title, body))
        examples.append((text, label, parse_tokens(tokens) if tokens else None))
    return examples


def stored_readings(db: Session, voice_ids: list[int]) -> dict[int, tuple[str, str]]:
    """The stored masked texts and content tokens of these voices (those analysed at intake)."""
    found: dict[int, tuple[str, str]] = {}
    for start in range(0, len(voice_ids), _CHUNK):
        chunk = voice_ids[start : start + _CHUNK]
        query = select(
            VoiceAnalysis.voice_id, VoiceAnalysis.masked_text, VoiceAnalysis.tokens
        ).where(VoiceAnalysis.voice_id.in_(chunk))
        found.update({v: (m, t) for v, m, t in db.execute(query)})
    return found


def train(
    *,
    db_session: Session,
    organization_id: int,
    target: str,
    progress: Callable[[str], None] | None = None,
) -> list[Trained]:
    """Train and store the organisation's routing models for ``target``: one per office for
    units (an office's voices only ever go to its own units), one for categories. Each is
    evaluated on its newest fifth, then refitted on all; an office with too little history
    is skipped (rules and the front desk route its voices), and none at all is ``Invalid``.

    With two or more offices' history, one more unit model is trained on all of it together
    (``office`` empty in the result): it answers callers who work for no single office,
    weighing every office's units against each other, where the offices' own models give
    confidences that cannot be compared (a seven-unit model is sure more easily than a
    seventy-unit one). It is not evaluated apart, to keep training time in bounds.
    """
    if target not in service.TARGETS:
        raise Invalid(f"알 수 없는 대상입니다: {target}", field="target")
    examples = _examples(db_session, organization_id, target)
    unit_offices = _unit_offices(db_session) if target == "unit" else {}
    groups = _by_office(examples, unit_offices) if target == "unit" else {None: examples}
    trained = []
    for office_id, group in groups.items():
        name = _office_code(db_session, office_id)
        if len(group) < MIN_EXAMPLES or len({label for _, label, _ in group}) < 2:
            if progress:
                progress(f"{target}{name}: 답변 완료 민원 {len(group)}건 — 학습하지 않음")
            continue
        trained.append(_train_one(db_session, organization_id, target, office_id, group, progress))
    if target == "unit" and trained and len(groups) >= 2:
        wide = [e for e in examples if e[1] in unit_offices]
        trained.append(
            _train_one(db_session, organization_id, target, None, wide, progress, hold_out=False)
        )
    elif target == "unit":  # one office's model answers everyone; an older wide one retires
        _retire(db_session, organization_id, target, None)
    if not trained:
        raise Invalid(
            f"학습할 답변 완료 민원이 부족합니다 ({len(examples)}건; 한 기관에서 "
            f"두 곳 이상에 걸쳐 {MIN_EXAMPLES}건 이상 필요).",
            field="target",
        )
    return trained


def _unit_offices(db: Session) -> dict[str, int]:
    """Unit code → its office."""
    return {
        str(code): int(office) for code, office in db.execute(select(Unit.code, Unit.office_id))
    }


def _by_office(
    examples: list[Example], unit_offices: dict[str, int]
) -> dict[int | None, list[Example]]:
    """The examples of each office (the office of the unit each is labelled with), in order."""
    groups: dict[int | None, list[Example]] = {}
    for example in examples:
        groups.setdefault(unit_offices.get(example[1]), []).append(example)
    groups.pop(None, None)
    return groups


def _office_code(db: Session, office_id: int | None) -> str:
    """`` (GR)`` for progress lines about one office's model, empty for the organisation's."""
    if office_id is None:
        return ""
    return f" ({org_service.get_office(db_session=db, office_id=office_id).code})"


def _train_one(
    db: Session,
    organization_id: int,
    target: str,
    office_id: int | None,
    examples: list[Example],
    progress: Callable[[str], None] | None,
    *,
    hold_out: bool = True,
) -> Trained:
    from minwon.analysis.classifier import Router
    from minwon.analysis.tokenize import tokenize_many

    where = f"{target}{_office_code(db, office_id)}"
    texts, labels = [t for t, _, _ in examples], [label for _, label, _ in examples]
    missing = [i for i, (_, _, stored) in enumerate(examples) if stored is None]
    if progress:
        progress(
            f"{where}: 형태소 분석 {len(missing)}건 (저장된 분석 {len(texts) - len(missing)}건)"
        )
    fresh = dict(zip(missing, tokenize_many([texts[i] for i in missing]), strict=True))
    tokens = [
        stored if stored is not None else fresh[i] for i, (_, _, stored) in enumerate(examples)
    ]
    cut = int(len(texts) * 0.8)
    metrics: dict[str, Any] = {}
    if hold_out and len(set(labels[:cut])) >= 2 and cut < len(texts):
        if progress:
            progress(f"{where}: 검증용 학습 {cut}건")
        held_out = Router(n_jobs=TRAINING_THREADS).train(
            texts[:cut], labels[:cut], tokens=tokens[:cut]
        )
        metrics = _hold_out_metrics(held_out, tokens[cut:], labels[cut:])
    if progress:
        progress(f"{where}: 전체 학습 {len(texts)}건")
    router = Router(n_jobs=TRAINING_THREADS).train(texts, labels, tokens=tokens)
    metrics["confidence_ceiling"] = router.confidence_ceiling
    row = store_model(
        db,
        organization_id=organization_id,
        target=target,
        blob=router.to_bytes(),
        n_train=len(texts),
        metrics=metrics,
        office_id=office_id,
    )
    return Trained(target, row.id, len(texts), metrics, _office_code(db, office_id).strip(" ()"))


def _hold_out_metrics(router: Any, tokens: list[list[str]], labels: list[str]) -> dict[str, Any]:
    """Accuracy, top-3 and macro-F1 of ``router`` on the newer voices it was not trained on."""
    from sklearn.metrics import accuracy_score, f1_score

    predictions = [router.predict_tokens(t) for t in tokens]
    predicted = [p.label for p in predictions]
    top3 = [
        label in (p.label, *(a for a, _ in p.alternatives[:2]))
        for label, p in zip(labels, predictions, strict=True)
    ]
    return {
        "accuracy": float(accuracy_score(labels, predicted)),
        "top3": sum(top3) / len(top3),
        "macro_f1": float(f1_score(labels, predicted, average="macro", zero_division=0)),
        "n_test": len(labels),
    }


def active_models(
    db: Session, organization_id: int, target: str, office_id: int | None
) -> list[RoutingModel]:
    """The active models of ``target`` for ``office_id`` (None: the organisation's own, such
    as its organisation-wide unit model), newest first — one unless a store was interrupted."""
    which = (
        RoutingModel.office_id.is_(None)
        if office_id is None
        else RoutingModel.office_id == office_id
    )
    query = select(RoutingModel).where(
        RoutingModel.organization_id == organization_id,
        RoutingModel.target == target,
        RoutingModel.active.is_(True),
        which,
    )
    return list(db.scalars(query.order_by(RoutingModel.id.desc())))


def _retire(db: Session, organization_id: int, target: str, office_id: int | None) -> None:
    """Mark the active models of ``target`` and ``office_id`` (None: the organisation's) old."""
    for old in active_models(db, organization_id, target, office_id):
        old.active = False
    service.forget_models()


def store_model(
    db: Session,
    *,
    organization_id: int,
    target: str,
    blob: bytes,
    n_train: int,
    metrics: dict[str, Any],
    office_id: int | None = None,
) -> RoutingModel:
    """Store a routing model as the organisation's active one for ``target`` and ``office_id``
    (an office's unit model, or with None the category model or the organisation-wide unit
    model), retiring the one it replaces."""
    _retire(db, organization_id, target, office_id)
    row = RoutingModel(
        organization_id=organization_id,
        target=target,
        office_id=office_id,
        n_train=n_train,
        metrics=metrics,
        blob=blob,
    )
    db.add(row)
    db.flush()
    service.forget_models()
    return row
