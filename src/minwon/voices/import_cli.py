"""What ``minwon import`` and ``minwon imports`` show in a terminal: a progress bar for checking
and one for saving while a file is imported, and each recent import's progress (voices saved,
analyses made by the worker), followed live with ``--follow``."""

import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy import Engine

from minwon.db import session_factory
from minwon.org.roles import Principal
from minwon.timeutil import to_kst
from minwon.voices import import_jobs
from minwon.voices.import_jobs import ImportStatus
from minwon.voices.import_report import ImportReport
from minwon.voices.importer import CHECK, LOAD, import_file

STATE_LABELS = {
    "checking": "확인 중",
    "failed": "실패 (저장 안 함)",
    "loading": "저장 중",
    "loaded": "저장 완료",
    "checked": "확인만 함 (저장 안 함)",
}
FOLLOW_SECONDS = 2.0


def _bars(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )


def run_import(
    console: Console,
    *,
    engine: Engine,
    path: Path,
    principal: Principal,
    create_units: bool,
    office: str | None,
    again: bool = False,
    check_only: bool = False,
) -> ImportReport:
    """Import ``path`` with a bar for each phase: checking the rows, then saving them."""
    with _bars(console) as bars:
        tasks: dict[str, TaskID] = {}

        def phase(name: str) -> None:
            label = "행 확인" if name == CHECK else "민원 저장"
            tasks[name] = bars.add_task(label, total=None)

        def progress(done: int, total: int) -> None:
            rows = total // 2
            if done <= rows and CHECK in tasks:
                bars.update(tasks[CHECK], completed=done, total=rows)
            elif LOAD in tasks:
                bars.update(tasks[CHECK], completed=rows, total=rows)
                bars.update(tasks[LOAD], completed=done - rows, total=rows)

        return import_file(
            engine=engine,
            path=path,
            principal=principal,
            create_units=create_units,
            office=office,
            again=again,
            check_only=check_only,
            progress=progress,
            phase=phase,
        )


def _recent(engine: Engine, principal: Principal, limit: int) -> list[ImportStatus]:
    with session_factory(engine)() as db:
        return import_jobs.recent(db_session=db, principal=principal, limit=limit)


def show_imports(console: Console, *, engine: Engine, principal: Principal, limit: int) -> None:
    """The recent imports, one line each: file, who, when, state, saved and analysed."""
    recent = _recent(engine, principal, limit)
    console.print("최근 가져오기" if recent else "가져온 파일이 없습니다.")
    for s in recent:
        console.print(
            f"#{s.id} {s.file} · {s.actor} · {to_kst(s.created_at):%Y-%m-%d %H:%M} · "
            f"{STATE_LABELS.get(s.state, s.state)} · 저장 {s.rows_loaded:,}/{s.rows_total:,} · "
            f"분석 {s.analysed:,}/{s.rows_loaded:,}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


def follow_imports(
    console: Console,
    *,
    engine: Engine,
    principal: Principal,
    limit: int,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Bars for the imports still under way (saving, or waiting for the worker's analysis),
    refreshed until every one is done."""
    with _bars(console) as bars:
        tasks: dict[tuple[int, str], TaskID] = {}
        while True:
            active = [s for s in _recent(engine, principal, limit) if s.active]
            for s in active:
                _update(bars, tasks, s)
            if not active:
                return
            sleep(FOLLOW_SECONDS)


def _update(bars: Progress, tasks: dict[tuple[int, str], TaskID], s: ImportStatus) -> None:
    rows = max(s.rows_total, 1)
    for name, done, label in (
        ("load", s.rows_loaded, f"#{s.id} {s.file} 저장"),
        ("analysis", s.analysed, f"#{s.id} {s.file} 분석"),
    ):
        key = (s.id, name)
        if key not in tasks:
            tasks[key] = bars.add_task(label, total=rows)
        bars.update(tasks[key], completed=done, total=rows)
