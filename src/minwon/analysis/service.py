"""Analysis of voices: masking, tone and routing suggestions at intake; training the routing
models from the agency's own answered voices; the triage list."""

import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from minwon.analysis import similar
from minwon.analysis.masking import MaskResult, mask
from minwon.analysis.models import RoutingModel, VoiceAnalysis
from minwon.analysis.similarity import matter_terms, stored_tokens, terms_text
from minwon.analysis.tone import analyse_tone
from minwon.errors import Invalid
from minwon.org import unit_status
from minwon.org.roles import Principal
from minwon.voices.models import Voice

if TYPE_CHECKING:
    from minwon.voices.queries import LedgerFilter

TARGETS = ("unit", "category")
DEFAULT_THRESHOLD = 0.85
MODEL_TTL = 30.0


@dataclass(frozen=True)
class Guess:
    """One model's best label for a text, its confidence and the runners-up."""

    label: str
    confidence: float
    alternatives: list[tuple[str, float]] = field(default_factory=list)


@dataclass(frozen=True)
class Suggestion:
    """What the routing models suggest for a text (either may be missing without a model)."""

    unit: Guess | None
    category: Guess | None


def threshold(settings: dict[str, Any]) -> float:
    """The organisation's confidence above which a voice is routed automatically."""
    value = settings.get("analysis", {}).get("auto_route_threshold", DEFAULT_THRESHOLD)
    return float(value)


def analysis_text(title: str, body: str) -> str:
    """The text analysis reads: the title and the body."""
    return f"{title}\n{body}"


_checked: dict[tuple[str, int, str, int | None], tuple[float, list[tuple[int, int | None]]]] = {}
_loaded: dict[int, Any] = {}
_models_lock = threading.Lock()


def _active_models(
    db: Session, organization_id: int, target: str, office_id: int | None
) -> list[tuple[int, int | None]]:
    """The (id, office id) of the active models (of one office, or of any office for
    ``office_id`` None), offices' own first, newest first; looked up at most once per
    MODEL_TTL per process."""
    key = (str(db.get_bind().engine.url), organization_id, target, office_id)
    now = time.monotonic()
    with _models_lock:
        hit = _checked.get(key)
    if hit is not None and now - hit[0] < MODEL_TTL:
        return hit[1]
    query = (
        select(RoutingModel.id, RoutingModel.office_id)
        .where(RoutingModel.organization_id == organization_id, RoutingModel.target == target)
        .where(RoutingModel.active.is_(True))
        .order_by(RoutingModel.office_id.is_(None), RoutingModel.id.desc())
    )
    if office_id is not None:  # the office's own model first, else an organisation-wide one
        query = query.where(
            (RoutingModel.office_id == office_id) | RoutingModel.office_id.is_(None)
        )
    models = [(int(i), o) for i, o in db.execute(query)]
    with _models_lock:
        _checked[key] = (now, models)
    return models


def _active_model_ids(
    db: Session, organization_id: int, target: str, office_id: int | None
) -> list[int]:
    """The ids of ``_active_models``."""
    return [i for i, _ in _active_models(db, organization_id, target, office_id)]


def _router(db: Session, organization_id: int, target: str, office_id: int | None = None) -> Any:
    """The active routing model (the office's, for units), deserialised once per model id."""
    model_ids = _active_model_ids(db, organization_id, target, office_id)
    return _load(db, model_ids[0]) if model_ids else None


def _office_routers(db: Session, organization_id: int) -> list[Any]:
    """The unit models for a caller who works for no single office: the organisation-wide
    one when training made one (it weighs every office's units against each other), else
    every office's own."""
    models = _active_models(db, organization_id, "unit", None)
    wide = [i for i, office in models if office is None]
    return [_load(db, i) for i in (wide[:1] or [i for i, _ in models])]


def _load(db: Session, model_id: int) -> Any:
    """A stored model, deserialised once per model id (a stored model is never changed)."""
    with _models_lock:
        router = _loaded.get(model_id)
    if router is None:
        from minwon.analysis.classifier import Router

        router = Router.from_bytes(db.get_one(RoutingModel, model_id).blob)
        with _models_lock:
            _loaded[model_id] = router
    return router


def forget_models() -> None:
    """Drop cached routing models (after training in this process)."""
    with _models_lock:
        _checked.clear()
        _loaded.clear()


def suggest(
    *, db_session: Session, organization_id: int, text: str, office_id: int | None = None
) -> Suggestion:
    """Suggested unit and category for a (masked) text from the organisation's models."""
    if not has_models(db_session, organization_id):
        return Suggestion(unit=None, category=None)
    from minwon.analysis.tokenize import content_tokens

    return suggest_tokens(
        db_session=db_session,
        organization_id=organization_id,
        tokens=content_tokens(text),
        office_id=office_id,
    )


def has_models(db_session: Session, organization_id: int) -> bool:
    """Whether the organisation has an active routing model of either kind."""
    return any(_active_model_ids(db_session, organization_id, t, None) for t in TARGETS)


def suggest_tokens(
    *,
    db_session: Session,
    organization_id: int,
    tokens: list[str],
    office_id: int | None = None,
) -> Suggestion:
    """Suggested unit and category for a text already tokenized (tokenizing is the expensive
    part, so intake does it once for both models and the similar-voice index).

    Only units that take voices now are suggested, and only the office's own when
    ``office_id`` is given: a closed or merged unit, or another office's, never is. Without
    an office, the organisation-wide model chooses among every office's units; where there
    is none (a single office, or models trained before it), every office's model is asked
    and the most confident answer wins.
    """
    category_router = _router(db_session, organization_id, "category")
    if office_id is not None:
        routers = [r for r in [_router(db_session, organization_id, "unit", office_id)] if r]
    else:
        routers = _office_routers(db_session, organization_id)
    units = unit_status.open_codes(db_session, office_id=office_id) if routers else set()
    guesses = [g for g in (_guess(r, tokens, units) for r in routers) if g is not None]
    unit = max(guesses, key=lambda g: g.confidence, default=None)
    return Suggestion(unit=unit, category=_guess(category_router, tokens))


def _guess(router: Any, tokens: list[str], allowed: set[str] | None = None) -> Guess | None:
    if router is None or not tokens:
        return None
    if allowed is not None and not router.knows_any(allowed):
        return None
    pred = router.predict_tokens(tokens, allowed=allowed)
    alternatives = [(str(label), float(p)) for label, p in pred.alternatives]
    return Guess(str(pred.label), float(pred.confidence), alternatives)


@dataclass(frozen=True)
class Reading:
    """What intake read from a voice before it had a number: masked text and content words."""

    masked: MaskResult
    tokens: list[str]


def mask_voice(title: str, body: str, names: list[str]) -> MaskResult:
    """A voice's text with its personal data masked: what every analysis reads and stores."""
    return mask(analysis_text(title, body), names=names)


def read(title: str, body: str, names: list[str]) -> Reading:
    """Mask a new voice's text and take its content words (once per intake)."""
    from minwon.analysis.tokenize import content_tokens

    masked = mask_voice(title, body, names)
    return Reading(masked=masked, tokens=content_tokens(masked.text))


def record(
    *,
    db_session: Session,
    voice: Voice,
    reading: Reading,
    contact: tuple[str, str] | None,
    suggestion: Suggestion,
    auto_routed: bool,
    needs_triage: bool,
) -> VoiceAnalysis:
    """Store the analysis of a new voice in its intake transaction: masked text, tone,
    suggestion, its words in the similar-voice index, and repeat/duplicate/mass marks."""
    masked = reading.masked
    tone = analyse_tone(masked.text)
    unit, cat = suggestion.unit, suggestion.category
    row = VoiceAnalysis(
        voice_id=voice.id,
        office_id=voice.office_id,
        masked_text=masked.text,
        pii_kinds=sorted({f.kind for f in masked.found}),
        suggested_unit=unit.label if unit else None,
        unit_confidence=unit.confidence if unit else None,
        suggested_category=cat.label if cat else None,
        category_confidence=cat.confidence if cat else None,
        alternatives=[
            {"unit": label, "confidence": p} for label, p in (unit.alternatives if unit else [])
        ],
        auto_routed=auto_routed,
        needs_triage=needs_triage,
        sentiment=tone.sentiment,
        anger=tone.anger,
        distress=tone.distress,
        urgent=tone.urgent,
        tone_label=tone.label,
        flags=list(tone.flags),
        tokens=stored_tokens(reading.tokens),
        terms=terms_text(matter_terms(reading.tokens)),
        citizen_key=similar.citizen_key(*contact) if contact else None,
        channel=voice.channel,
        received_at=voice.received_at,
        dong=voice.dong or "",
        repeat_count=0,
        mass=False,
    )
    db_session.add(row)
    db_session.flush()
    similar.assess(db_session, row)
    return row


def get(*, db_session: Session, voice_id: int) -> VoiceAnalysis | None:
    """The stored analysis of a voice, if it has one."""
    return db_session.get(VoiceAnalysis, voice_id)


def voices_whose_text_has(like: str) -> Select[Any]:
    """The ids of analysed voices whose masked text matches the LIKE pattern (escaped with
    a backslash): a search for readers who see no personal data."""
    return select(VoiceAnalysis.voice_id).where(VoiceAnalysis.masked_text.like(like, escape="\\"))


def triage(*, db_session: Session, principal: Principal, limit: int = 100) -> list[VoiceAnalysis]:
    """Voices whose routing was not confident enough, waiting for a person to route them
    (still received, not yet assigned), newest first."""
    from minwon.voices import queries

    if not 1 <= limit <= 500:
        raise Invalid("limit은 1~500 사이여야 합니다.", field="limit")
    query = select(VoiceAnalysis).where(VoiceAnalysis.needs_triage.is_(True))
    if not principal.all_offices:
        query = query.where(VoiceAnalysis.office_id == principal.office_id)
    rows = list(db_session.scalars(query.order_by(VoiceAnalysis.voice_id.desc()).limit(limit * 4)))
    waiting = queries.with_status(
        db_session=db_session, ids=[r.voice_id for r in rows], status="received"
    )
    return [r for r in rows if r.voice_id in waiting][:limit]


def resolve_triage(*, db_session: Session, voice_id: int) -> None:
    """A person routed the voice: it leaves the triage list."""
    row = db_session.get(VoiceAnalysis, voice_id)
    if row is not None and row.needs_triage:
        row.needs_triage = False


def urgent_among(*, db_session: Session, voice_ids: list[int]) -> set[int]:
    """Which of these voices carry an urgency flag (safety words, distress)."""
    if not voice_ids:
        return set()
    query = select(VoiceAnalysis.voice_id).where(
        VoiceAnalysis.voice_id.in_(voice_ids), VoiceAnalysis.urgent.is_(True)
    )
    return set(db_session.scalars(query))


def urgent_open(
    *,
    db_session: Session,
    principal: Principal,
    limit: int = 10,
    flt: "LedgerFilter | None" = None,
) -> list[Voice]:
    """Open urgent voices of the caller's office, newest first: they head the ledger lists
    (with ``flt``, only those the ledger filtered by it lists, so the box never shows another
    unit's or another search's voices above a list narrowed to one)."""
    from minwon.voices import queries

    query = select(VoiceAnalysis.voice_id).where(VoiceAnalysis.urgent.is_(True))
    if not principal.all_offices:
        query = query.where(VoiceAnalysis.office_id == principal.office_id)
    recent = list(db_session.scalars(query.order_by(VoiceAnalysis.voice_id.desc()).limit(500)))
    found = queries.open_by_ids(db_session=db_session, principal=principal, ids=recent, flt=flt)
    return found[:limit]
