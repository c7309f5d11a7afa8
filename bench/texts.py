"""Korean text for requests and bulk rows, and the intake request bodies.

Titles and bodies come from the real petitions in ``/work/shared/data`` (``../shared/data``
next to the repository) when present, else from a small built-in set of typical complaints.
"""

from __future__ import annotations

import gzip
import json
import random
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bench.common import ROOT
from bench.world import CATEGORIES, DONGS, BenchWorld

PETITIONS = ROOT.parent / "shared" / "data" / "petitions-2020.jsonl.gz"
FALLBACK = [
    ("야간 순찰 강화 요청", "골목길 가로등이 자주 꺼지고 밤 늦게 귀가하는 학생들이 많습니다."),
    ("불법 주정차 단속 요청", "학교 앞 횡단보도 주변에 불법 주차 차량이 많아 아이들이 위험합니다."),
    ("민원 응대 불친절", "전화 문의를 했는데 담당 직원이 설명 없이 전화를 끊어 불쾌했습니다."),
    ("보상금 산정 문의", "토지 보상금 산정 기준과 이의 신청 절차를 알고 싶습니다."),
    ("층간 소음 관련 상담", "윗집 소음이 밤마다 이어져 잠을 잘 수 없습니다. 중재를 부탁드립니다."),
    ("교통사고 조사 진행 문의", "지난달 접수한 교통사고 조사가 어디까지 진행되었는지 궁금합니다."),
    ("친절한 경찰관 칭찬", "길을 잃은 어머니를 집까지 모셔다 주신 지구대 경찰관께 감사드립니다."),
]
KIND_WEIGHTS = {
    "complaint": 34, "request": 26, "inquiry_procedure": 16, "inquiry_law": 3,
    "suggestion": 8, "grievance": 8, "praise": 5,
}  # fmt: skip
CHANNEL_WEIGHTS = {
    "phone": 30, "web": 28, "visit": 18, "card": 10, "mailbox": 4, "outreach": 6, "email": 4,
}  # fmt: skip


@dataclass(frozen=True)
class Text:
    """A title and a long body to cut bodies from."""

    title: str
    body: str


@lru_cache
def corpus() -> list[Text]:
    """Titles and bodies: real petitions when available, a built-in fallback otherwise."""
    if PETITIONS.exists():
        with gzip.open(PETITIONS, "rt", encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh]
        texts = [
            Text(r["title"].strip()[:300], " ".join(r["content"].split()))
            for r in rows
            if r.get("title", "").strip() and len(r.get("content", "")) >= 120
        ]
        if texts:
            return texts
    return [Text(t, (b + " ") * 12) for t, b in FALLBACK]


def cut_body(rng: random.Random, text: Text, low: int, high: int) -> str:
    """A stretch of ``low``..``high`` characters of a body, starting at its beginning."""
    n = rng.randint(low, high)
    body = text.body[:n].strip()
    return body or text.title


def intake_body(rng: random.Random, world: BenchWorld, office: str) -> dict:
    """One realistic intake request body for a caller of ``office``.

    40% name a unit, 40% give a category (routing rules decide; unrouted ones go to the front
    desk), 20% give only a 행정동 (routed by 동 or to the front desk). A third leave a contact.
    """
    text = rng.choice(corpus())
    body: dict = {
        "kind": rng.choices(list(KIND_WEIGHTS), list(KIND_WEIGHTS.values()))[0],
        "channel": rng.choices(list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()))[0],
        "title": text.title,
        "body": cut_body(rng, text, 200, 600),
        "dong": rng.choice(DONGS[office]),
    }
    roll = rng.random()
    if roll < 0.4:
        body["unit"] = rng.choice(world.units_of(office))
    elif roll < 0.8:
        body["category"] = rng.choice(CATEGORIES)[0]
    if rng.random() < 1 / 3:
        body["contact"] = {
            "name": rng.choice(["김민수", "이서연", "박지훈", "최유진", "정하늘"]),
            "phone": f"010-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
            "consent": rng.random() < 0.7,
        }
    return body


def intake_requests(n: int, world: BenchWorld, seed: int) -> list[dict]:
    """``n`` requests (headers + JSON text) alternating between the GR and DJ officers' tokens;
    about half carry a fresh ``Idempotency-Key``."""
    rng = random.Random(seed)
    callers = [("gr_officer", "GR"), ("dj_officer", "DJ")]
    out = []
    for i in range(n):
        login, office = callers[i % 2]
        headers = {"Content-Type": "application/json", **world.auth(login)}
        if rng.random() < 0.5:
            headers["Idempotency-Key"] = str(uuid.UUID(int=rng.getrandbits(128)))
        body = json.dumps(intake_body(rng, world, office), ensure_ascii=False)
        out.append({"headers": headers, "body": body})
    return out


def bare_requests(minwon_requests: list[dict]) -> list[dict]:
    """The same bodies for the bare app: no token, no idempotency key."""
    headers = {"Content-Type": "application/json"}
    return [{"headers": headers, "body": r["body"]} for r in minwon_requests]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    """Write one JSON object a line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
