"""The whole card: the QR code printed on a card, scanned back from the page image, opens the
citizen form that files a voice credited to that officer and campaign."""

import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from factories import build_world
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine, select
from web.pagetools import csrf

from minwon.app import create_app
from minwon.db import write_session
from minwon.org.staff_refs import staff_ref
from minwon.outreach.cards import Card, render_cards
from minwon.voices.models import Voice

BASE = "http://minwon.test"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_scanned_card_files_an_attributed_voice(engine: Engine, tmp_path: Path) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    world = build_world(engine)
    card = Card(
        unit_code="GR01",
        unit_name="구로지구대",
        office_name="구로경찰서",
        phone="02-000-0000",
        officer_name="gr_officer",
        officer_ref=staff_ref(world.staff_ids["gr_officer"]),
        campaign_name="빈집털이 예방",
        campaign_code="EMPTY-HOME",
    )
    pdf = tmp_path / "card.pdf"
    pdf.write_bytes(render_cards([card], size="a6", base_url=BASE))
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    image = Image.open(next(tmp_path.glob("p*.png")))
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1
    scanned = urlsplit(found[0].text)
    path = f"{scanned.path}?{scanned.query}"
    citizen = TestClient(create_app(engine=engine))
    form = citizen.get(path)
    ref = staff_ref(world.staff_ids["gr_officer"])
    assert form.status_code == 200 and f'name="officer" value="{ref}"' in form.text
    assert "gr_officer" not in found[0].text  # the id, never the login
    sent = citizen.post(
        "/submit",
        data={
            "csrf_token": csrf(citizen, path),
            "kind": "request",
            "channel": "card",
            "unit": "GR01",
            "officer": ref,
            "campaign": "EMPTY-HOME",
            "title": "빌라 현관 방범",
            "body": "빌라 현관문 잠금장치가 고장 나 불안합니다.",
        },
        follow_redirects=False,
    )
    assert sent.status_code == 303
    with write_session(engine) as db:
        voice = db.scalars(select(Voice)).one()
    assert voice.channel == "card" and voice.campaign == "EMPTY-HOME"
    assert voice.source_officer_id == world.staff_ids["gr_officer"]
