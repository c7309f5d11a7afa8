"""Campaigns by housing type: the material per channel, what each reached (broadcasts,
flyers in mailboxes, cards handed out, talks) and the voices and surveys that came back with
the campaign's tag, by 행정동 and housing type."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.errors import Conflict, Forbidden, Invalid, NotFound
from minwon.org.roles import LEADS, Principal
from minwon.outreach.models import Campaign, CampaignReach, Contact
from minwon.outreach.service import HOUSING, require_officer

REACH_KINDS = {
    "broadcast": "아파트 방송",
    "flyer": "우편함 전단",
    "card": "카드 배부",
    "talk": "일대일 면담",
}


def create_campaign(
    db: Session,
    *,
    principal: Principal,
    code: str,
    name: str,
    housing: list[str],
    broadcast_script: str = "",
    flyer_text: str = "",
    talk_points: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Campaign:
    """A lead or CS manager starts a campaign with material per channel."""
    if principal.role not in LEADS or principal.office_id is None:
        raise Forbidden("캠페인은 팀장·CS 담당이 만듭니다.")
    code = code.strip()
    if (
        not code
        or len(code) > 32
        or not all(c.isascii() and (c.isalnum() or c in "-_") for c in code)
    ):
        raise Invalid("캠페인 코드는 영문·숫자·-_ 1~32자입니다.", field="code")
    if not name.strip():
        raise Invalid("캠페인 이름을 입력하세요.", field="name")
    if any(h not in HOUSING for h in housing):
        raise Invalid("주거 형태가 올바르지 않습니다.", field="housing")
    if starts_on and ends_on and ends_on < starts_on:
        raise Invalid("끝나는 날이 시작일보다 앞섭니다.", field="ends_on")
    if _exists(db, principal.office_id, code):
        raise Conflict(f"이미 있는 캠페인 코드입니다: {code}", field="code")
    campaign = Campaign(
        office_id=principal.office_id,
        code=code,
        name=name.strip(),
        housing=housing,
        broadcast_script=broadcast_script,
        flyer_text=flyer_text,
        talk_points=talk_points,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    db.add(campaign)
    db.flush()
    return campaign


def _exists(db: Session, office_id: int, code: str) -> bool:
    query = select(Campaign.id).where(Campaign.office_id == office_id, Campaign.code == code)
    return db.scalar(query) is not None


def log_reach(
    db: Session,
    *,
    principal: Principal,
    campaign_id: int,
    kind: str,
    count: int,
    dong: str,
    housing: str,
) -> CampaignReach:
    """Log what a campaign reached: a broadcast, flyers in mailboxes, cards handed out, talks."""
    require_officer(principal)
    campaign = db.get(Campaign, campaign_id)
    if campaign is None or campaign.office_id != principal.office_id:
        raise NotFound("캠페인을 찾을 수 없습니다.", field="campaign")
    if kind not in REACH_KINDS:
        raise Invalid("활동 종류가 올바르지 않습니다.", field="kind")
    if not 1 <= count <= 10_000:
        raise Invalid("수량은 1~10,000입니다.", field="count")
    if housing and housing not in HOUSING:
        raise Invalid("주거 형태가 올바르지 않습니다.", field="housing")
    row = CampaignReach(
        campaign_id=campaign_id,
        officer_id=principal.staff_id,
        kind=kind,
        count=count,
        dong=dong.strip()[:100],
        housing=housing,
    )
    db.add(row)
    db.flush()
    return row


@dataclass(frozen=True)
class CampaignResult:
    """A campaign's reach and the response that came back with its tag."""

    campaign: Campaign
    reach: dict[str, int]
    contacts: int
    cards: int
    voices: int
    surveys: int
    by_place: list[tuple[str, str, int, int]]


def campaign_results(db: Session, *, principal: Principal) -> list[CampaignResult]:
    """Reach (broadcasts, flyers, cards, talks, contacts) and response (voices tagged with the
    campaign) of the office's campaigns (every office's for HQ and admins), by 행정동 and
    housing type."""
    from minwon.surveys.service import campaign_responses
    from minwon.voices import queries

    query = select(Campaign)
    if not principal.all_offices:
        query = query.where(Campaign.office_id == principal.office_id)
    out = []
    for c in db.scalars(query.order_by(Campaign.id.desc())):
        reach: Counter[str] = Counter()
        places: Counter[tuple[str, str]] = Counter()
        for r in db.scalars(select(CampaignReach).where(CampaignReach.campaign_id == c.id)):
            reach[r.kind] += r.count
            places[(r.dong, r.housing)] += r.count
        contacts = list(db.scalars(select(Contact).where(Contact.campaign_id == c.id)))
        for ct in contacts:
            places[(ct.dong, ct.housing)] += 1
        voices = queries.campaign_voices(db_session=db, office_id=c.office_id, campaign=c.code)
        answered: Counter[tuple[str, str]] = Counter()
        housing_of = {ct.voice_id: ct.housing for ct in contacts if ct.voice_id}
        for voice_id, dong in voices:
            answered[(dong, housing_of.get(voice_id, ""))] += 1
        keys = sorted(set(places) | set(answered))
        out.append(
            CampaignResult(
                campaign=c,
                reach=dict(reach),
                contacts=len(contacts),
                cards=sum(ct.card_given for ct in contacts) + reach.get("card", 0),
                voices=len(voices),
                surveys=campaign_responses(db, office_id=c.office_id, campaign=c.code),
                by_place=[(d, h, places[(d, h)], answered[(d, h)]) for d, h in keys],
            )
        )
    return out
