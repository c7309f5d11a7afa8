"""The analysis part of intake: mask, suggest a unit (and route when confident), record tone."""

from sqlalchemy.orm import Session

from minwon.analysis import service
from minwon.analysis.masking import mask_text
from minwon.org.rules import OfficeRules
from minwon.voices.models import Voice
from minwon.voices.schemas import VoiceCreate


class AnalysisAdvisor:
    """Routes a voice automatically when the organisation's model is confident enough, and
    stores the voice's analysis; one instance serves one intake."""

    def __init__(self) -> None:
        self.suggestion = service.Suggestion(unit=None, category=None)
        self.auto_routed = False
        self.masked: str | None = None

    def _masked(self, voice_in: VoiceCreate) -> str:
        if self.masked is None:
            names = [voice_in.contact.name] if voice_in.contact and voice_in.contact.name else []
            self.masked = mask_text(
                service.analysis_text(voice_in.title, voice_in.body), names=names
            )
        return self.masked

    def unit_for(self, db: Session, office: OfficeRules, voice_in: VoiceCreate) -> str | None:
        """The suggested unit when its confidence reaches the organisation's threshold."""
        self.suggestion = service.suggest(
            db_session=db, organization_id=office.organization_id, text=self._masked(voice_in)
        )
        unit = self.suggestion.unit
        if unit is not None and unit.confidence >= service.threshold(office.settings):
            self.auto_routed = True
            return unit.label
        return None

    def after_intake(
        self, db: Session, voice: Voice, voice_in: VoiceCreate, addressed: bool
    ) -> None:
        """Record the analysis; an unaddressed voice the model was unsure of waits in triage."""
        names = [voice_in.contact.name] if voice_in.contact and voice_in.contact.name else []
        service.record(
            db_session=db,
            voice_id=voice.id,
            office_id=voice.office_id,
            text=service.analysis_text(voice_in.title, voice_in.body),
            names=names,
            suggestion=self.suggestion,
            auto_routed=self.auto_routed and voice.unit_id is not None,
            needs_triage=not addressed
            and not self.auto_routed
            and self.suggestion.unit is not None,
        )
