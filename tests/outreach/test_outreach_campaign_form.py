"""The new-campaign form names its fields as a campaign's, not a survey's."""

from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web.pagetools import login

from minwon.app import create_app


def _name_label(page: str) -> str:
    return page.split('<label for="c-name">', 1)[1].split("</label>", 1)[0]


def test_the_campaign_name_field_is_labelled_as_a_campaigns(engine: Engine) -> None:
    build_world(engine)
    lead = TestClient(create_app(engine=engine))
    login(lead, "gr_lead")
    assert _name_label(lead.get("/outreach/campaigns").text) == "캠페인 이름 *"
    assert _name_label(lead.get("/outreach/campaigns?lang=en").text) == "Campaign name *"
