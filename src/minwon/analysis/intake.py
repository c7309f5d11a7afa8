"""The analysis part of intake: mask, tokenize, suggest a unit (and route when confident),
record tone, and compare with earlier voices."""

from sqlalchemy.orm import Session

from minwon.analysis import service
from minwon.org.rules import OfficeRules
from minwon.voices.models import Voice
from minwon.voices.schemas import VoiceCreate


class AnalysisAdvisor:
    """Routes a voice automatically when the organisation's model is confident enough, and
    stores the voice's analysis; one instance serves one intake."""

    def __init__(self) -> None:
        self.suggestion = service.Suggestion(unit=None, category=None)
        self.auto_routed = False
        self._reading: service.Reading | None = None

    def _read(self, voice_in: VoiceCreate) -> service.Reading:
        if self._reading is None:
            contact = voice_in.contact
            names = [contact.name] if contact and contact.name else []
            self._reading = service.read(voice_in.title, voice_in.body, names)
        return self._reading

    def unit_for(self, db: Session, office: OfficeRules, voice_in: VoiceCreate) -> str | None:
        """The suggested unit when its confidence reaches the organisation's threshold."""
        self.suggestion = self._suggest(db, office, voice_in)
        unit = self.suggestion.unit
        if unit is not None and unit.confidence >= service.threshold(office.settings):
            self.auto_routed = True
            return unit.label
        return None

    def _suggest(
        self, db: Session, office: OfficeRules, voice_in: VoiceCreate
    ) -> service.Suggestion:
        if not service.has_models(db, office.organization_id):
            return service.Suggestion(unit=None, category=None)
        return service.suggest_tokens(
            db_session=db,
            organization_id=office.organization_id,
            tokens=self._read(voice_in).tokens,
            office_id=office.office_id,
        )

    def after_intake(
        self, db: Session, voice: Voice, voice_in: VoiceCreate, addressed: bool
    ) -> None:
        """Record the analysis; an unaddressed voice the model was unsure of waits in triage."""
        contact = voice_in.contact
        service.record(
            db_session=db,
            voice=voice,
            reading=self._read(voice_in),
            contact=(contact.phone or "", contact.email or "") if contact else None,
            suggestion=self.suggestion,
            auto_routed=self.auto_routed and voice.unit_id is not None,
            needs_triage=not addressed
            and not self.auto_routed
            and self.suggestion.unit is not None,
        )
