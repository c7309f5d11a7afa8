"""Training the routing models from an organisation's own answered voices.

Labels are where each answered voice ended up (its unit after any transfer) and its category;
every transfer or re-categorisation by staff is therefore a correction the next training
learns from. Metrics come from a time-ordered hold-out (train on older, test on newer), then
the stored model is refitted on everything.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.analysis import service
from minwon.analysis.masking import mask_text
from minwon.analysis.models import RoutingModel, VoiceAnalysis
from minwon.errors import Invalid
from minwon.voices import queries

MIN_EXAMPLES = 20
_CHUNK = 900


@dataclass(frozen=True)
class Trained:
    """What one training produced: the stored model's id and its hold-out figures."""

    target: str
    model_id: int
    n_train: int
    metrics: dict[str, Any]


def _examples(db: Session, organization_id: int, target: str) -> list[tuple[str, str]]:
    rows = queries.labelled(db_session=db, organization_id=organization_id, target=target)
    masked = masked_texts(db, [voice_id for voice_id, *_ in rows])
    return [
        (masked.get(voice_id) or mask_text(service.analysis_text(title, body)), code)
        for voice_id, title, body, code in rows
    ]


def masked_texts(db: Session, voice_ids: list[int]) -> dict[int, str]:
    """The stored masked texts of these voices (those analysed at intake)."""
    found: dict[int, str] = {}
    for start in range(0, len(voice_ids), _CHUNK):
        chunk = voice_ids[start : start + _CHUNK]
        query = select(VoiceAnalysis.voice_id, VoiceAnalysis.masked_text).where(
            VoiceAnalysis.voice_id.in_(chunk)
        )
        found.update(dict(db.execute(query).all()))
    return found


def train(
    *,
    db_session: Session,
    organization_id: int,
    target: str,
    progress: Callable[[str], None] | None = None,
) -> Trained:
    """Train, evaluate on the newest fifth, refit on all and store a routing model."""
    from minwon.analysis.classifier import Router
    from minwon.analysis.tokenize import tokenize_many

    if target not in service.TARGETS:
        raise Invalid(f"알 수 없는 대상입니다: {target}", field="target")
    examples = _examples(db_session, organization_id, target)
    if len(examples) < MIN_EXAMPLES or len({label for _, label in examples}) < 2:
        raise Invalid(
            f"학습할 답변 완료 민원이 부족합니다 ({len(examples)}건; "
            f"두 곳 이상에 걸쳐 {MIN_EXAMPLES}건 이상 필요).",
            field="target",
        )
    texts, labels = [t for t, _ in examples], [label for _, label in examples]
    if progress:
        progress(f"{target}: 형태소 분석 {len(texts)}건")
    tokens = tokenize_many(texts)
    cut = int(len(texts) * 0.8)
    metrics: dict[str, Any] = {}
    if len(set(labels[:cut])) >= 2 and cut < len(texts):
        if progress:
            progress(f"{target}: 검증용 학습 {cut}건")
        held_out = Router().train(texts[:cut], labels[:cut], tokens=tokens[:cut])
        metrics = _hold_out_metrics(held_out, tokens[cut:], labels[cut:])
    if progress:
        progress(f"{target}: 전체 학습 {len(texts)}건")
    router = Router().train(texts, labels, tokens=tokens)
    return _store(db_session, organization_id, target, router.to_bytes(), len(texts), metrics)


def _hold_out_metrics(router: Any, tokens: list[list[str]], labels: list[str]) -> dict[str, Any]:
    """Accuracy and macro-F1 of ``router`` on the newer voices it was not trained on."""
    from sklearn.metrics import accuracy_score, f1_score

    predicted = [router.predict_tokens(t).label for t in tokens]
    return {
        "accuracy": float(accuracy_score(labels, predicted)),
        "macro_f1": float(f1_score(labels, predicted, average="macro", zero_division=0)),
        "n_test": len(labels),
    }


def _store(
    db: Session, organization_id: int, target: str, blob: bytes, n: int, metrics: dict[str, Any]
) -> Trained:
    row = store_model(
        db, organization_id=organization_id, target=target, blob=blob, n_train=n, metrics=metrics
    )
    return Trained(target, row.id, n, metrics)


def store_model(
    db: Session,
    *,
    organization_id: int,
    target: str,
    blob: bytes,
    n_train: int,
    metrics: dict[str, Any],
) -> RoutingModel:
    """Store a routing model as the organisation's active one for ``target``."""
    for old in db.scalars(
        select(RoutingModel).where(
            RoutingModel.organization_id == organization_id, RoutingModel.target == target
        )
    ):
        old.active = False
    row = RoutingModel(
        organization_id=organization_id,
        target=target,
        n_train=n_train,
        metrics=metrics,
        blob=blob,
    )
    db.add(row)
    db.flush()
    service.forget_models()
    return row
