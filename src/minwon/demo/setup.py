"""``minwon demo``: migrate, load the demo organisation and voices, hand out the logins."""

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from minwon import migrate
from minwon.analysis.jobs import check_surges
from minwon.db import get_engine, write_session
from minwon.demo.outreach import load_demo_outreach
from minwon.demo.protection import load_demo_protection
from minwon.demo.quality import load_demo_quality
from minwon.demo.stories import load_stories
from minwon.demo.surveys import load_demo_responses
from minwon.demo.voices import load_demo_voices
from minwon.errors import Invalid
from minwon.org import service as org_service
from minwon.org import twofactor
from minwon.org.loader import load_org_file
from minwon.org.models import RolePolicy, Staff
from minwon.org.roles import ROLE_LABELS
from minwon.reports import rollups
from minwon.timeutil import utcnow
from minwon.voices.models import Voice

DEMO_ORG = Path(__file__).parent / "demo_org.yaml"


def _train_routing(engine: Engine) -> None:
    """Train the demo organisation's routing models so suggestions show from the start."""
    from minwon.analysis.training import train_apart

    with write_session(engine) as db:
        org_id = org_service.find_organization(db_session=db, ref="DEMO").id
    for target in ("unit", "category"):
        try:
            train_apart(engine, organization_id=org_id, target=target)
        except Invalid:
            continue


def load_demo(
    *,
    voices: int = 3000,
    data_path: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[tuple[str, str, str]], str]:
    """Make the configured database a demo: returns (login, name, role) rows and an API token.

    Running it again keeps what is there (the organisation is re-loaded idempotently and voices
    are only added to an empty ledger).
    """
    migrate.upgrade()
    engine = get_engine()
    with write_session(engine) as db:
        load_org_file(db_session=db, path=DEMO_ORG)
        _demo_sign_in_policy(db)
        existing = db.scalar(select(func.count(Voice.id))) or 0
    if existing == 0 and voices > 0:
        load_demo_voices(engine=engine, data_path=data_path, count=voices, progress=progress)
        load_stories(engine, now=utcnow())
        _train_routing(engine)
        check_surges(engine, now=utcnow())
        load_demo_responses(engine, now=utcnow())
        load_demo_outreach(engine, now=utcnow())
        load_demo_quality(engine, now=utcnow())
        load_demo_protection(engine, now=utcnow())
        rollups.update(engine)
    elif progress:
        progress(voices, voices)
    with write_session(engine) as db:
        staff = list(
            db.scalars(select(Staff).order_by(Staff.office_id, Staff.unit_id, Staff.login))
        )
        admin = next(s for s in staff if s.role == "admin")
        token = org_service.issue_token(
            db_session=db,
            staff=admin,
            name="demo",
            scopes="read write admin",
            expires_in_days=90,
        )
        rows = [(s.login, s.name, ROLE_LABELS.get(s.role, s.role)) for s in staff]
    return rows, token


def _demo_sign_in_policy(db: Session) -> None:
    """No role must use two-factor sign-in in a fresh demo (a newcomer may have no
    authenticator app at hand); an admin turns it on at /admin/security, and that choice
    survives the next ``minwon demo``."""
    if db.scalar(select(func.count()).select_from(RolePolicy)) == 0:
        twofactor.set_required_roles(db_session=db, roles=())
