"""The protection and role-play pages as staff use them (in Korean, and in English): the
recommended lengths and the drill ladder, recording an incident on the form (a refused form
keeps what was typed; names withheld from the officer, shown to the lead), the CS manager's
settings, a role-play session recorded in two steps, self-scoring, the practice history, and
an admin editing a scenario."""

import re
from datetime import timedelta

from factories import build_world
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web.pagetools import client_for, csrf, is_html_page, login

from minwon.app import create_app
from minwon.timeutil import to_kst, utcnow


def _at(days: float = 0) -> str:
    return to_kst(utcnow() + timedelta(days=days)).replace(tzinfo=None).isoformat("T", "minutes")


def test_every_staff_member_sees_the_lengths_and_the_ladder(engine: Engine) -> None:
    build_world(engine)
    client = client_for(engine)
    login(client, "gr_officer")
    page = client.get("/protection")
    assert page.status_code == 200 and is_html_page(page)
    assert "권장 응대 시간" in page.text and "20분" in page.text and "60분" in page.text
    assert "1차 경고 · 녹음(녹화) 고지" in page.text and "통화 종료 안내" in page.text
    assert 'action="/protection/settings"' not in page.text
    nav = page.text.split('<nav id="main-nav"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/protection" class="on" aria-current="page">직원 보호</a>' in nav
    assert 'href="/roleplay">역할극</a>' in nav
    english = client.get("/protection?lang=en").text
    assert "Recommended contact length" in english and "Drill ladder — visit" in english


def test_the_cs_manager_sets_the_lengths_and_a_bad_value_is_kept(engine: Engine) -> None:
    build_world(engine)
    client = client_for(engine)
    login(client, "gr_cs")
    token = csrf(client, "/protection")
    data = {
        "call_minutes": "0",
        "visit_minutes": "45",
        "appeal_contact": "민원실 02-1",
        "csrf_token": token,
    }
    bad = client.post("/protection/settings", data=data)
    assert bad.status_code == 422 and 'value="민원실 02-1"' in bad.text and 'value="45"' in bad.text
    good = client.post("/protection/settings", data={**data, "call_minutes": "15"})
    assert good.status_code == 200 and "15분" in good.text and "45분" in good.text
    login(client, "gr_officer")
    assert "15분" in client.get("/protection").text
    refused = client.post(
        "/protection/settings", data={**data, "csrf_token": csrf(client, "/protection")}
    )
    assert refused.status_code == 403


def test_an_officer_records_an_incident_on_the_form(engine: Engine) -> None:
    build_world(engine)
    client = client_for(engine)
    login(client, "gr_officer")
    form = client.get("/protection/incidents/new")
    assert form.status_code == 200 and 'name="measure_emergency_bell"' in form.text
    assert 'name="staff_gr_officer"' in form.text and 'name="staff_dj_officer"' not in form.text
    data = {
        "occurred_at": _at(1),
        "unit": "GR01",
        "channel": "visit",
        "place": "민원실",
        "what_happened": "고성과 욕설, 서류를 던짐",
        "staff_gr_officer": "on",
        "measure_calm": "on",
        "measure_first_warning": "on",
        "csrf_token": csrf(client, "/protection/incidents/new"),
    }
    bad = client.post("/protection/incidents", data=data)
    assert bad.status_code == 422 and "고성과 욕설, 서류를 던짐" in bad.text
    assert 'name="measure_first_warning" checked' in bad.text
    done = client.post("/protection/incidents", data={**data, "occurred_at": _at(-0.1)})
    assert done.status_code == 200 and "사건 기록을 저장했습니다" in done.text
    assert "비공개" in done.text and "진정 요청 → 1차 경고" in done.text
    assert 'action="/protection/incidents/' not in done.text  # no follow-up form
    url = str(done.url)
    login(client, "gr_lead")
    lead = client.get(url).text
    assert "비공개" not in lead and "gr_officer" in lead and "조치·지원 기록" in lead
    follow = {
        "measure_calm": "on",
        "reported": "on",
        "reported_note": "112 신고",
        "support_rest": "on",
    }
    saved = client.post(url, data={**follow, "csrf_token": csrf(client, url)})
    assert (
        saved.status_code == 200
        and "112 신고" in saved.text
        and "휴식·업무 일시 전환" in saved.text
    )
    listing = client.get("/protection/incidents").text
    assert "gr_officer" in listing
    english = client.get(url, params={"lang": "en"}).text
    assert "Asked to calm down" in english and "Rest or a change of duties" in english
    assert ">Visit<" in english and "방문" not in english and "휴식" not in english
    listed = client.get("/protection/incidents").text
    assert ">Visit</td>" in listed and ">Yes</td>" in listed and "True" not in listed


def test_a_role_play_session_in_two_steps_then_self_scores_and_history(engine: Engine) -> None:
    world = build_world(engine)
    client = client_for(engine)
    login(client, "gr_lead")
    library = client.get("/roleplay")
    assert (
        library.status_code == 200
        and "뺑소니" in library.text
        and "특이민원 대응 훈련 — 전화" in library.text
    )
    scenario = re.search(r'href="/roleplay/scenarios/(\d+)">뺑소니', library.text)
    assert scenario
    sid = scenario.group(1)
    shown = client.get(f"/roleplay/scenarios/{sid}").text
    assert "경청" in shown and "끝까지 듣고 요지를 되짚어 확인한다" in shown
    step1 = client.get(f"/roleplay/sessions/new?scenario={sid}")
    assert 'name="p" value="gr_officer"' in step1.text
    step2 = client.get(f"/roleplay/sessions/new?scenario={sid}&p=gr_officer")
    assert (
        'name="o_gr_officer_listen"' in step2.text and 'name="s_gr_officer_follow_up"' in step2.text
    )
    data = {
        "scenario": sid,
        "p_gr_officer": "on",
        "held_at": _at(2),
        "observer": "gr_lead",
        "o_gr_officer_listen": "4",
        "o_gr_officer_empathise": "3",
        "coaching": "요지를 되짚는 습관이 좋음",
        "csrf_token": csrf(client, f"/roleplay/sessions/new?scenario={sid}&p=gr_officer"),
    }
    bad = client.post("/roleplay/sessions", data=data)
    assert bad.status_code == 422 and "요지를 되짚는 습관이 좋음" in bad.text
    assert '<option value="4" selected>' in bad.text
    done = client.post("/roleplay/sessions", data={**data, "held_at": _at(-1)})
    assert done.status_code == 200 and "연습 기록을 저장했습니다" in done.text
    session_url = str(done.url)
    login(client, "gr_officer")
    mine = client.get(session_url).text
    assert "내 자기 평가" in mine
    token = csrf(client, session_url)
    saved = client.post(session_url + "/self", data={"self_listen": "5", "csrf_token": token})
    assert saved.status_code == 200 and "자기 평가를 저장했습니다" in saved.text
    history = client.get(f"/roleplay/people/{world.staff_ids['gr_officer']}")
    assert history.status_code == 200 and "항목별 평균" in history.text
    assert ">4.0<" in history.text and ">3.5<" in history.text and ">5.0<" in history.text
    login(client, "gr_officer2")
    assert client.get(session_url).status_code == 404
    assert client.get(f"/roleplay/people/{world.staff_ids['gr_officer']}").status_code == 404


def test_an_admin_edits_a_scenario_on_the_form(engine: Engine) -> None:
    build_world(engine)
    client = client_for(engine)
    login(client, "admin")
    library = client.get("/roleplay").text
    sid = re.search(r'href="/roleplay/scenarios/(\d+)">순찰을', library)
    assert sid
    url = f"/roleplay/scenarios/{sid.group(1)}/edit"
    form = client.get(url)
    assert form.status_code == 200 and 'name="r0_a5"' in form.text
    values = dict(re.findall(r'name="(r\d_\w+|title)"[^>]*value="([^"]*)"', form.text))
    data = {
        **values,
        "channel": "visit",
        "persona": "80대 주민",
        "wants": "밤 순찰",
        "lines": "",
        "active": "on",
        "csrf_token": csrf(client, url),
    }
    bad = client.post(url, data=data)
    assert bad.status_code == 422 and "80대 주민" in bad.text
    good = client.post(url, data={**data, "lines": "밤마다 시끄러워요 | 시간과 장소를 묻는다"})
    assert (
        good.status_code == 200 and "80대 주민" in good.text and "시간과 장소를 묻는다" in good.text
    )
    login(client, "gr_cs")
    assert client.get(url).status_code == 403


def test_leads_see_who_practised_how_often(engine: Engine) -> None:
    world = build_world(engine)
    api = TestClient(create_app(engine=engine))
    lib = api.get("/api/v1/roleplay/scenarios", headers=world.auth("gr_lead")).json()
    body = {"scenario_id": lib[0]["id"], "held_at": _at(-3), "participants": ["gr_officer"]}
    assert (
        api.post("/api/v1/roleplay/sessions", json=body, headers=world.auth("gr_lead")).status_code
        == 201
    )
    client = client_for(engine)
    login(client, "gr_lead")
    page = client.get("/roleplay").text
    table = page.split("직원별 연습", 1)[1]
    officer = world.staff_ids["gr_officer"]
    assert re.search(
        rf'href="/roleplay/people/{officer}">gr_officer</a></td><td[^>]*class="num">1<', table
    )
    assert re.search(r">gr_officer2</a></td><td[^>]*class=\"num\">0<", table)
    assert "gr2_officer" not in table
    login(client, "gr_officer")
    assert "직원별 연습" not in client.get("/roleplay").text
