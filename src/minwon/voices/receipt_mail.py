"""The receipt a citizen is mailed when they send a voice themselves and leave an e-mail address
with their consent: the ledger number and the check code they need to follow it, which the
receipt page shows only for a while (a phone that drops the page, a reload, would otherwise
lose the code for good). Written to the outbox in the intake's transaction, so a voice that was
acknowledged has its mail on its way, and no mail goes out for one that was not saved.
"""

from datetime import datetime

from sqlalchemy.orm import Session

from minwon.outbox import service as outbox
from minwon.timeutil import as_aware, to_kst
from minwon.voices.models import Voice, VoiceContact


def queue_receipt(db: Session, *, voice: Voice, secret: str, base_url: str) -> bool:
    """Queue the receipt mail of ``voice`` (just filed by its citizen) when they left an
    e-mail address and agreed to its use; whether one was queued."""
    db.flush()  # the contact was just added with the voice
    contact = db.get(VoiceContact, voice.id)
    if contact is None or not contact.email or not contact.consent:
        return False
    subject, body = receipt_mail(voice, secret, base_url)
    outbox.enqueue(
        db_session=db,
        recipient=contact.email,
        subject=subject,
        body=body,
        topic="receipt",
        voice_id=voice.id,
        dedupe_key=f"receipt:{voice.id}",
    )
    return True


def receipt_mail(voice: Voice, secret: str, base_url: str) -> tuple[str, str]:
    """The Korean receipt mail: what was received, when it is due and how to follow it."""
    track = f"{base_url.rstrip('/')}/track?no={voice.ledger_no}"
    due = _when(voice.due_at) if voice.due_at else "정해진 처리 기한이 없습니다"
    subject = f"[민원 접수] {voice.ledger_no} {voice.title[:40]}"
    body = (
        "보내 주신 민원을 접수했습니다.\n\n"
        f"접수번호: {voice.ledger_no}\n"
        f"확인 코드: {secret}\n"
        f"접수 일시: {_when(voice.received_at)}\n"
        f"처리 기한: {due}\n\n"
        f"처리 상황과 답변은 {track} 에서 접수번호와 확인 코드로 보실 수 있습니다. "
        "확인 코드는 다른 사람에게 알려 주지 마십시오.\n"
    )
    return subject, body


def _when(moment: datetime) -> str:
    return f"{to_kst(as_aware(moment)):%Y-%m-%d %H:%M}"
