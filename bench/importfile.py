"""A 민원 처리부 file as an agency brings it to minwon: Korean headers, several years of
voices, most of them answered or closed, some with the citizen's contact.

Rows are spread from 1 January three years ago until yesterday (Korean time), more on working
hours; 40% name a unit (code or name), 30% give a category (the routing rules decide), the rest
only a 행정동 (routed by 동 or to the front desk); 85% are answered (60%) or closed (25%)
with an answer one to twenty days later (never in the future); a third carry a name and a
phone number. Titles and bodies come from the same petitions as the intake benchmark.
"""

from __future__ import annotations

import csv
import random
from datetime import date, datetime, timedelta
from pathlib import Path

from bench.texts import CHANNEL_WEIGHTS, KIND_WEIGHTS, corpus, cut_body
from bench.world import CATEGORIES, DONGS, UNITS
from minwon.timeutil import KST
from minwon.voices.catalog import CHANNELS, kinds_for

HEADER = ["접수일시", "종류", "경로", "제목", "내용", "부서", "분류", "행정동", "상태", "답변"]
HEADER += ["답변일시", "성명", "전화", "동의"]
NAMES = ["김민수", "이서연", "박지훈", "최유진", "정하늘", "강도윤", "윤서아", "임하준"]
UNIT_NAMES = {code: name for code, _office, name, _desk, _share in UNITS}


def _when(rng: random.Random, start: datetime, span_seconds: int) -> datetime:
    while True:
        moment = start + timedelta(seconds=rng.randrange(span_seconds))
        if 8 <= moment.hour < 19 or rng.random() < 0.15:
            return moment.replace(microsecond=0)


def _row(rng: random.Random, office: str, start: datetime, span: int, last: datetime) -> list:
    text = rng.choice(corpus())
    kinds = kinds_for({})
    kind = rng.choices(list(KIND_WEIGHTS), list(KIND_WEIGHTS.values()))[0]
    channel = rng.choices(list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()))[0]
    received = _when(rng, start, span)
    unit = category = ""
    roll = rng.random()
    if roll < 0.4:
        code = rng.choice([c for c, off, *_ in UNITS if off == office])
        unit = code if rng.random() < 0.7 else UNIT_NAMES[code]
    elif roll < 0.7:
        category = rng.choice(CATEGORIES)[1]
    status = answer = answered = ""
    roll = rng.random()
    if roll < 0.85:
        status = "답변 완료" if roll < 0.6 else "종결"
        answered_at = min(received + timedelta(hours=rng.randint(2, 20 * 24)), last)
        answer = "안녕하십니까. 말씀하신 " + text.title[:40] + " 건은 확인하여 조치하였습니다."
        answered = answered_at.strftime("%Y-%m-%d %H:%M")
    elif roll < 0.92:
        status = "처리중"
    name = phone = consent = ""
    if rng.random() < 1 / 3:
        name = rng.choice(NAMES)
        phone = f"010-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}"
        consent = "Y" if rng.random() < 0.7 else "N"
    return [
        received.strftime("%Y-%m-%d %H:%M"),
        kinds[kind] if rng.random() < 0.5 else kind,
        CHANNELS[channel] if rng.random() < 0.5 else channel,
        text.title,
        cut_body(rng, text, 200, 600),
        unit,
        category,
        rng.choice(DONGS[office]),
        status,
        answer,
        answered,
        name,
        phone,
        consent,
    ]


def write_ledger_file(path: Path, rows: int, *, office: str, today: date, seed: int = 11) -> Path:
    """Write a CSV (UTF-8 with BOM, as Excel saves it) of ``rows`` voices of ``office``,
    received from 1 January three years before ``today`` until the day before."""
    rng = random.Random(seed)
    start = datetime(today.year - 3, 1, 1, tzinfo=KST)
    last = datetime.combine(today, datetime.min.time(), tzinfo=KST) - timedelta(minutes=1)
    span = int((last - start).total_seconds())
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for _ in range(rows):
            writer.writerow(_row(rng, office, start, span, last))
    return path
