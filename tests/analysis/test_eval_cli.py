"""``minwon analysis eval`` on an agency's own history: import-format CSV/XLSX read by the
importer's reader, precision at the auto-route threshold beside the baseline, and the
mixed-history variant with units that no longer take voices."""

import csv
import gzip
import json
from pathlib import Path

import pytest
from analysis.test_classifier import VOICES
from openpyxl import Workbook
from typer.testing import CliRunner

from minwon import cli
from minwon.analysis import evaluation
from minwon.analysis.classifier import Prediction
from minwon.analysis.eval_report import summary_rows
from minwon.analysis.evaluation import (
    CLOSED_PREFIX,
    load_import_file,
    load_items,
    mix_history,
    score,
    thin,
)

UNITS = {"생활불편": "생활민원팀", "교통": "교통행정과", "복지": "복지정책과"}
UNITS |= {"환경": "환경과", "안전": "안전총괄과", "행정": "총무과"}


def _rows() -> list[list[str]]:
    """A voice a day, the categories taking turns, so both split parts hold every unit."""
    rows = []
    texts = [(c, t) for i in range(10) for c, voices in VOICES.items() for t in voices[i : i + 1]]
    for day, (category, text) in enumerate(texts):
        when = f"2026-{1 + day // 28:02d}-{1 + day % 28:02d} 09:{day % 60:02d}"
        body = f"{text} 확인 부탁드립니다."
        rows.append([when, "불만", "전화", text, body, UNITS[category], category])
    return rows


HEADER = ["접수일시", "종류", "경로", "제목", "내용", "담당부서", "분류"]


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "history.csv"
    with path.open("w", encoding="cp949", newline="") as fh:  # as Korean Excel saves it
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(_rows())
        writer.writerow(["2026-03-01", "불만", "전화", "부서 없는 민원", "내용", "", "행정"])
    return path


def test_import_csv_reads_text_time_and_either_label(csv_file: Path) -> None:
    units = load_import_file(csv_file, "unit")
    assert len(units) == 60  # the row without a unit is left out
    first = units[0]
    assert first["text"] == "가로등이 꺼져 있어요\n가로등이 꺼져 있어요 확인 부탁드립니다."
    assert first["label"] == "생활민원팀" and first["time"].isoformat().startswith("2026-01-01T09")
    categories = load_items(csv_file, "category")
    assert len(categories) == 61 and categories[-1]["label"] == "행정"


def test_import_xlsx_reads_like_the_csv(tmp_path: Path, csv_file: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["received_at", "kind", "channel", "title", "body", "unit"])
    for row in _rows()[:5]:
        sheet.append(row[:6])
    path = tmp_path / "history.xlsx"
    book.save(path)
    items = load_items(path, "unit")
    assert [i["label"] for i in items] == [i["label"] for i in load_import_file(csv_file)[:5]]


def test_an_export_with_a_title_above_its_header_evaluates_as_it_imports(
    tmp_path: Path, csv_file: Path
) -> None:
    titled = tmp_path / "titled.csv"
    body = csv_file.read_text(encoding="cp949")
    titled.write_text("2026년 민원처리부\n기간: 2026-01-01 ~ 2026-03-31\n" + body, encoding="cp949")
    assert load_import_file(titled, "unit") == [
        {**item, "line": item["line"] + 2} for item in load_import_file(csv_file, "unit")
    ]


def test_import_file_errors_name_the_problem(tmp_path: Path, csv_file: Path) -> None:
    no_unit = tmp_path / "no-unit.csv"
    no_unit.write_text("접수일시,종류,경로,제목,내용\n2026-01-02,불만,전화,제목,내용\n")
    with pytest.raises(ValueError, match=r"'부서\(unit\)' 열이 없습니다"):
        load_import_file(no_unit, "unit")
    bad_date = tmp_path / "bad-date.csv"
    bad_date.write_text("접수일시,종류,경로,제목,내용,부서\n어제,불만,전화,제목,내용,총무과\n")
    with pytest.raises(ValueError, match=r"bad-date.csv:2: 접수일시"):
        load_import_file(bad_date, "unit")
    with pytest.raises(ValueError, match="unit 또는 category"):
        load_import_file(csv_file, "office")


def test_jsonl_items_keep_working(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for day, text in enumerate(["가로등", "신호등"], start=1):
            row = {"begin": f"2020-01-0{day}", "category": "생활", "title": text, "content": ""}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    items = load_items(path, "category")
    assert [(i["text"], i["time"], i["label"]) for i in items] == [
        ("가로등\n", "2020-01-01", "생활"),
        ("신호등\n", "2020-01-02", "생활"),
    ]
    with pytest.raises(ValueError, match="no 'unit' label"):
        load_items(path, "unit")


def test_precision_at_the_threshold_counts_only_confident_suggestions() -> None:
    predictions = [
        Prediction("A", 0.9),  # confident, right
        Prediction("B", 0.7),  # confident, wrong
        Prediction("A", 0.6),  # at the threshold, right
        Prediction("A", 0.3),  # unsure: not auto-routed
    ]
    report = score(["A", "A", "A", "B"], predictions, threshold=0.6)
    assert report.auto_share == 0.75 and report.auto_precision == pytest.approx(2 / 3)
    none = score(["A"], [Prediction("A", 0.1)], threshold=0.6)
    assert none.auto_share == 0 and none.auto_precision is None
    rows = {what: (ours, base) for what, ours, base in summary_rows(report, none)}
    assert rows["자동 배정 정밀도 (≥0.6)"] == ("0.667 (2/3건)", "-")  # says of how many


def test_mix_history_adds_closed_units_and_never_a_test_text() -> None:
    train = [{"text": "가로등\n고장", "label": "생활민원팀", "time": 1}]
    test = [{"text": "신호등\n고장", "label": "교통행정과", "time": 2}]
    others = [
        {"text": "신호등\n다른 본문", "label": "교통"},  # same title as a test voice: left out
        {"text": "버스\n노선", "label": "교통"},
        {"text": "복지\n급여", "label": "복지"},
    ]
    mixed, added = mix_history(train, others, 5, avoid=test)
    assert added == 2 and mixed[-1] == train[0]
    assert sorted(i["label"] for i in mixed[:2]) == [CLOSED_PREFIX + "교통", CLOSED_PREFIX + "복지"]
    assert all("신호등" not in i["text"] for i in mixed)


def test_thin_spreads_over_time() -> None:
    items = list(range(10))
    assert thin(items, 5, key=lambda i: -i) == [9, 7, 5, 3, 1]
    assert thin(items, None, key=lambda i: i) == items


def test_eval_command_prints_both_routers_and_the_mixed_history(
    csv_file: Path, tmp_path: Path
) -> None:
    table = tmp_path / "routing.md"
    result = CliRunner().invoke(
        cli.app,
        ["analysis", "eval", str(csv_file), "--label", "unit", "--mixed", "30"]
        + ["--markdown", str(table)],
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "학습 48건 (오래된 순), 평가 12건 (최근)" in out
    for line in ("정확도 top-1", "top-3 정확도", "macro-F1", "자동 배정 정밀도 (≥0.85)"):
        assert line in out
    assert "우리 모델" in out and "기준선 (문자 TF-IDF+LR)" in out
    assert "자동 배정 비율" in out and "생활민원팀" in out
    assert "받지 않는 부서(CLOSED-…)의 민원 30건 추가" in out and "우리 모델 top-1 변화" in out
    assert "기준선 top-1 변화" in out and "빠진 30건" in out
    markdown = table.read_text()
    assert "| history.csv (unit) | top-3 정확도 |" in markdown
    assert "| history.csv (unit) + 폐지 부서 30건 | macro-F1 |" in markdown


def test_eval_command_refuses_a_file_without_the_label(tmp_path: Path) -> None:
    path = tmp_path / "no-unit.csv"
    path.write_text("접수일시,종류,경로,제목,내용\n2026-01-02,불만,전화,제목,내용\n")
    result = CliRunner().invoke(cli.app, ["analysis", "eval", str(path), "--label", "unit"])
    assert result.exit_code == 1
    assert "열이 없습니다" in result.output
    assert evaluation.DEFAULT_THRESHOLD == 0.85
