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

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from minwon.analysis import service
from minwon.analysis.masking import mask_text
from minwon.analysis.models import RoutingModel, VoiceAnalysis
from minwon.analysis.similarity import parse_tokens
from minwon.db import session_factory, write_session
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
RETRAIN_GROWTH = 0.1
"""The share by which an organisation's answered voices must grow before the worker retrains
its models: a new agency's first model (which claims no confidence it has not earned) learns
from its first months, a large one is not retrained for a handful of voices."""
HISTORY = "history"
"""The key, in a stored model's figures, of how many answered voices its training saw."""
CEILING = "confidence_ceiling"
"""The key, in a stored model's figures, of the highest confidence it claims; models trained
by a minwon before it had none (nor the calibration that came with it)."""
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


def _examples(db: Session, organization_id: int, target: str) -> tuple[list[Example], int]:
    """What routing learns from, oldest first: the duties (업무분장) of units that take
    voices, then every answered voice with where it ended up; and how many answered voices
    were read (the history ``grown`` later compares with).

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
    return examples, len(rows)


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


@dataclass(frozen=True)
class _Job:
    """One model to train: an office's unit model, the organisation-wide one (``office_id``
    None for units) or the category model, with its examples oldest first."""

    office_id: int | None
    office: str  # the office's code, empty for the organisation's model
    examples: list[Example]
    history: int  # the organisation's answered voices when it was planned (``grown``)
    hold_out: bool = True


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

    Everything happens in ``db_session``'s transaction; ``train_apart`` holds none while
    it fits.
    """
    jobs, retire_wide = _plan(db_session, organization_id, target, progress)
    fitted = [_fit(target, job, progress) for job in jobs]
    return _store_all(db_session, organization_id, target, jobs, fitted, retire_wide)


def train_apart(
    engine: Engine,
    *,
    organization_id: int,
    target: str,
    progress: Callable[[str], None] | None = None,
) -> list[Trained]:
    """``train``, reading the history in a plain session and storing the models in one
    short write transaction: fitting takes minutes on a large history, and on SQLite a write
    transaction held that long would keep every intake waiting."""
    with session_factory(engine)() as db:
        jobs, retire_wide = _plan(db, organization_id, target, progress)
    fitted = [_fit(target, job, progress) for job in jobs]
    with write_session(engine) as db:
        return _store_all(db, organization_id, target, jobs, fitted, retire_wide)


def grown(db: Session, organization_id: int, target: str) -> bool:
    """Whether the history of ``target`` has grown by ``RETRAIN_GROWTH`` (and at least
    ``MIN_EXAMPLES`` voices) since its active models were trained, or they were all trained
    by an older minwon (no calibrated, bounded confidence): what the worker retrains. An
    office whose old model cannot be retrained (too few voices now) keeps it until the
    history grows. An organisation whose models nobody trained yet is left to its admin."""
    models = db.execute(
        select(RoutingModel.metrics, RoutingModel.n_train).where(
            RoutingModel.organization_id == organization_id,
            RoutingModel.target == target,
            RoutingModel.active.is_(True),
        )
    ).all()
    if not models:
        return False
    if not any(CEILING in metrics for metrics, _ in models):
        return True  # all from before the ceiling; once one is retrained, growth decides
    then = max(int(metrics.get(HISTORY, n_train)) for metrics, n_train in models)
    now = queries.count_labelled(db_session=db, organization_id=organization_id, target=target)
    return now - then >= max(MIN_EXAMPLES, RETRAIN_GROWTH * then)


def _plan(
    db: Session, organization_id: int, target: str, progress: Callable[[str], None] | None
) -> tuple[list[_Job], bool]:
    """The models to train for ``target`` and whether an older organisation-wide unit model
    retires (one office's model answers everyone); ``Invalid`` when there is none to train."""
    if target not in service.TARGETS:
        raise Invalid(f"알 수 없는 대상입니다: {target}", field="target")
    examples, history = _examples(db, organization_id, target)
    unit_offices = _unit_offices(db) if target == "unit" else {}
    groups = _by_office(examples, unit_offices) if target == "unit" else {None: examples}
    jobs = []
    for office_id, group in groups.items():
        office = _office_code(db, office_id)
        if len(group) < MIN_EXAMPLES or len({label for _, label, _ in group}) < 2:
            if progress:
                progress(f"{_where(target, office)}: 답변 완료 민원 {len(group)}건 — 학습하지 않음")
            continue
        jobs.append(_Job(office_id, office, group, history))
    if not jobs:
        raise Invalid(
            f"학습할 답변 완료 민원이 부족합니다 ({len(examples)}건; 한 기관에서 "
            f"두 곳 이상에 걸쳐 {MIN_EXAMPLES}건 이상 필요).",
            field="target",
        )
    if target == "unit" and len(groups) >= 2:
        wide = [e for e in examples if e[1] in unit_offices]
        jobs.append(_Job(None, "", wide, history, hold_out=False))
    return jobs, target == "unit" and len(groups) < 2


def _store_all(
    db: Session,
    organization_id: int,
    target: str,
    jobs: list[_Job],
    fitted: list[tuple[bytes, dict[str, Any]]],
    retire_wide: bool,
) -> list[Trained]:
    """Store the fitted models as the active ones, each retiring the one it replaces."""
    trained = []
    for job, (blob, metrics) in zip(jobs, fitted, strict=True):
        metrics[HISTORY] = job.history
        row = store_model(
            db,
            organization_id=organization_id,
            target=target,
            blob=blob,
            n_train=len(job.examples),
            metrics=metrics,
            office_id=job.office_id,
        )
        trained.append(Trained(target, row.id, len(job.examples), metrics, job.office))
    if retire_wide:
        _retire(db, organization_id, target, None)
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
    """The code of the office whose model this is, empty for the organisation's."""
    if office_id is None:
        return ""
    return org_service.get_office(db_session=db, office_id=office_id).code


def _where(target: str, office: str) -> str:
    """``unit (GR)`` for progress lines about one office's model, the target alone else."""
    return f"{target} ({office})" if office else target


def _fit(
    target: str, job: _Job, progress: Callable[[str], None] | None
) -> tuple[bytes, dict[str, Any]]:
    """The fitted model of one job, stored as bytes, and its hold-out figures (first a model
    on the oldest 80 % judged on the newest 20 %, unless ``job.hold_out`` is off)."""
    from minwon.analysis.classifier import Router
    from minwon.analysis.tokenize import tokenize_many

    examples, where = job.examples, _where(target, job.office)
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
    if job.hold_out and len(set(labels[:cut])) >= 2 and cut < len(texts):
        if progress:
            progress(f"{where}: 검증용 학습 {cut}건")
        held_out = Router(n_jobs=TRAINING_THREADS).train(
            texts[:cut], labels[:cut], tokens=tokens[:cut]
        )
        metrics = _hold_out_metrics(held_out, tokens[cut:], labels[cut:])
    if progress:
        progress(f"{where}: 전체 학습 {len(texts)}건")
    router = Router(n_jobs=TRAINING_THREADS).train(texts, labels, tokens=tokens)
    metrics[CEILING] = router.confidence_ceiling
    return router.to_bytes(), metrics


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
