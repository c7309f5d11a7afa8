"""Routing measured the way issue 14 measured it: through ``minwon import``, ``minwon analysis
train`` and ``POST /api/v1/analysis/route``, beside ``minwon analysis eval``'s in-process figure.

``minwon analysis eval`` trains the router in memory on raw texts. An agency gets its
suggestions another way: its history is imported (masked, analysed, labelled by the unit each
voice ended up in), the worker's training reads it back from the database, and staff ask the
API. This script takes that road with an import-format file:

1. a fresh SQLite database with the demo organisation and its voices (``minwon demo``), or with
   ``--alone`` an organisation of one office and nothing else;
2. one more office, ``AG``, whose history is the file's oldest 80 % (the same split as
   ``minwon analysis eval``), imported with ``--create-units`` and, so that it counts as
   history, an answer and its date on every row;
3. ``minwon analysis train``;
4. the newest 20 % asked of the route API as AG's lead (the office's own model) and as HQ
   naming no office (the organisation-wide model over AG's and the demo's units);
5. the router trained in memory on the same split, as ``minwon analysis eval`` does.

    .venv/bin/python bench/routing_through_api.py bench/.cache/units-1200-s14.csv

The database and its files live in a temporary folder and are removed at the end.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MINWON = str(Path(sys.executable).parent / "minwon")
DEMO_ORG = ROOT / "src" / "minwon" / "demo" / "demo_org.yaml"
PASSWORD = "bench-routing-pass-1"  # a throw-away database's accounts, removed at the end
AGENCY = """
  - code: AG
    name: 시험 기관
    units:
      - {code: AG00, name: 민원실, kind: 민원실, front_desk: true}
"""
STAFF = "  - {{login: {login}, name: {login}, role: {role}, {where}password: " + PASSWORD + "}}\n"
AGENCY_STAFF = STAFF.format(login="ag.lead", role="unit_lead", where="unit: AG00, ")
ALONE = (
    "organization:\n  code: DEMO\n  name: 시험 기관\noffices:"
    + AGENCY
    + "staff:\n"
    + AGENCY_STAFF
    + STAFF.format(login="hq", role="hq_analyst", where="")
    + STAFF.format(login="admin", role="admin", where="")
)


def run(cmd: list[str], env: dict[str, str]) -> str:
    """A ``minwon`` command's output; its error output when it fails."""
    done = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def organisation_yaml(alone: bool) -> str:
    """The organisation to load: the demo's with office AG added, or AG alone."""
    if alone:
        return ALONE
    text = DEMO_ORG.read_text(encoding="utf-8")
    return text.replace("\nstaff:\n", f"{AGENCY}\nstaff:\n{AGENCY_STAFF}", 1)


def history_file(rows: list[dict[str, Any]], path: Path) -> None:
    """The training part as an import file of answered voices of office AG."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(
            ["접수일시", "종류", "경로", "제목", "내용", "기관", "부서", "상태", "답변", "답변일시"]
        )
        for row in rows:
            answered = datetime.fromisoformat(str(row["time"])) + timedelta(days=1)
            title, _, body = row["text"].partition("\n")
            out.writerow(
                [row["time"], "complaint", "web", title, body or title, "AG", row["label"],
                 "답변 완료", "처리하였습니다.", answered.isoformat(sep=" ")]
            )  # fmt: skip


def ask(client: Any, token: str, text: str, office: str | None) -> list[str]:
    """The unit names the route API suggests for ``text``, best first."""
    params = {"office": office} if office else {}
    r = client.post(
        "/api/v1/analysis/route",
        params=params,
        json={"text": text},
        headers={"Authorization": f"Bearer {token}"},
    )
    r.raise_for_status()
    body = r.json()
    names = [body["unit"]["name"]] if body.get("unit") else []
    return names + [alt["unit"]["name"] for alt in body.get("alternatives", [])]


def scores(ranked: list[list[str]], labels: list[str]) -> tuple[float, float]:
    """Top-1 and top-3 accuracy."""
    top1 = sum(r[:1] == [y] for r, y in zip(ranked, labels, strict=True)) / len(labels)
    top3 = sum(y in r[:3] for r, y in zip(ranked, labels, strict=True)) / len(labels)
    return top1, top3


def main() -> None:
    """Build the database, import, train, ask, and print both figures side by side."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path, help="an import-format CSV/XLSX with 부서")
    parser.add_argument("--alone", action="store_true", help="no demo voices beside it")
    parser.add_argument("--voices", type=int, default=3000, help="demo voices beside it")
    args = parser.parse_args()

    from minwon.analysis import evaluation as ev
    from minwon.analysis.classifier import Router

    train, test = ev.time_split(ev.load_items(args.file, "unit"), lambda i: i["time"])
    labels = [t["label"] for t in test]
    with tempfile.TemporaryDirectory(prefix="minwon-route-api-") as tmp:
        folder = Path(tmp)
        env = {"MINWON_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}"}
        started = time.perf_counter()
        org = folder / "org.yaml"
        org.write_text(organisation_yaml(args.alone), encoding="utf-8")
        if args.alone:
            run([MINWON, "db", "upgrade"], env)
        else:
            run([MINWON, "demo", "--no-serve", "--voices", str(args.voices)], env)
        run([MINWON, "org", "load", str(org)], env)
        history = folder / "history.csv"
        history_file(train, history)
        run([MINWON, "import", str(history), "--create-units", "--as", "admin"], env)
        print(run([MINWON, "analysis", "train"], env).strip())
        tokens = {
            who: run([MINWON, "token", who, "--name", "bench"], env).strip().split()[-1]
            for who in ("ag.lead", "hq")
        }
        print(f"database ready in {time.perf_counter() - started:.0f} s")

        os.environ.update(env)
        from fastapi.testclient import TestClient

        from minwon.app import create_app

        with TestClient(create_app()) as client:
            own = [ask(client, tokens["ag.lead"], t["text"], None) for t in test]
            named = [ask(client, tokens["hq"], t["text"], "AG") for t in test]
            wide = [ask(client, tokens["hq"], t["text"], None) for t in test]

    router = Router().train([t["text"] for t in train], [t["label"] for t in train])
    memory = [[p.label, *(a for a, _ in p.alternatives)] for p in router.predict_many(
        [t["text"] for t in test])]  # fmt: skip

    beside = "alone" if args.alone else f"beside the demo's {args.voices:,} voices"
    print(f"\n{args.file.name}: {len(train):,} voices imported, {len(test):,} asked ({beside})\n")
    print("| how | top-1 | top-3 |\n|---|---|---|")
    for name, ranked in (
        ("in memory (`minwon analysis eval`)", memory),
        ("API, the office's lead", own),
        ("API, HQ naming office AG", named),
        ("API, HQ naming no office", wide),
    ):
        top1, top3 = scores(ranked, labels)
        print(f"| {name} | {top1:.3f} | {top3:.3f} |")


if __name__ == "__main__":
    main()
