"""``minwon analysis ...``: train the routing models, check for surges, rebuild the
similar-voice index, and evaluate routing beside the plain baseline."""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from minwon.cli_output import check_output_file, unwritable

analysis_app = typer.Typer(
    help="Korean text analysis: routing models and their evaluation.", rich_markup_mode="markdown"
)
console = Console()
err = Console(stderr=True)


@analysis_app.command("train")
def analysis_train(
    organization: Annotated[str | None, typer.Option(help="organisation code")] = None,
) -> None:
    """Train the routing models (unit and category) from the organisation's answered voices."""
    from minwon.analysis.training import HISTORY, train_apart
    from minwon.db import get_engine, write_session
    from minwon.errors import Invalid
    from minwon.org import service as org_service

    with write_session() as db:
        org_id = org_service.find_organization(db_session=db, ref=organization).id
    for target in ("unit", "category"):
        try:
            models = train_apart(
                get_engine(), organization_id=org_id, target=target, progress=console.print
            )
        except Invalid as exc:
            err.print(f"{target}: {exc.message}")
            continue
        for done in models:
            shown = ", ".join(
                f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                for k, v in done.metrics.items()
                if k != HISTORY
            )
            wide = " (모든 관서)" if target == "unit" else ""
            where = f"{target} ({done.office})" if done.office else target + wide
            console.print(
                f"{where}: 모델 #{done.model_id}, 학습 {done.n_train}건, 검증 {shown or '—'}"
            )


@analysis_app.command("surges")
def analysis_surges() -> None:
    """Check every office for surges now and queue the alerts to unit leads."""
    from minwon.analysis import jobs
    from minwon.db import get_engine
    from minwon.timeutil import utcnow

    offices, sent = jobs.check_surges(get_engine(), now=utcnow())
    console.print(f"점검한 기관 {offices}곳, 새 급증 알림 {sent}건")


@analysis_app.command("reindex")
def analysis_reindex() -> None:
    """Rebuild the similar-voice index from the stored words of every analysed voice."""
    from minwon.analysis import similar
    from minwon.db import write_session

    with write_session() as db:
        console.print(f"색인 항목 {similar.rebuild(db):,}개를 다시 만들었습니다.")


@analysis_app.command("eval")
def analysis_eval(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, help="CSV/XLSX in the import format, or JSONL(.gz)"
        ),
    ],
    label: Annotated[
        str, typer.Option(help="unit (담당 부서) or category; for JSONL, the label field")
    ] = "category",
    time_field: Annotated[
        str | None, typer.Option("--time", help="JSONL field ordering the split (begin)")
    ] = None,
    train_share: Annotated[float, typer.Option(help="share of the oldest items to train on")] = 0.8,
    mixed: Annotated[
        int,
        typer.Option(
            min=0, help="also train with N voices of closed units (CLOSED-…) from the demo corpus"
        ),
    ] = 0,
    limit: Annotated[
        int | None, typer.Option(min=10, help="evaluate at most N items, spread evenly over time")
    ] = None,
    threshold: Annotated[
        float | None, typer.Option(help="auto-route threshold (default: the router's, 0.85)")
    ] = None,
    markdown: Annotated[
        Path | None, typer.Option(help="also write the figures as a Markdown table")
    ] = None,
) -> None:
    """Time-ordered hold-out evaluation of the router beside a plain TF-IDF baseline:
    top-1, top-3, macro-F1 and precision at the auto-route threshold, and with --mixed N the
    same test part after N voices of units that no longer take voices join the history."""
    import shlex
    import sys

    from minwon.analysis import eval_report, evaluation
    from minwon.demo.voices import CORPUS

    if markdown is not None:
        check_output_file(markdown)  # before the evaluation, not after it
    cut = evaluation.DEFAULT_THRESHOLD if threshold is None else threshold
    try:
        items = evaluation.load_items(file, label, time_field)
    except ValueError as exc:
        err.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(1) from exc
    items = evaluation.thin(items, limit, key=lambda i: i["time"])
    train_items, test_items = evaluation.time_split(
        items, key=lambda i: i["time"], train_share=train_share
    )
    console.print(f"학습 {len(train_items)}건 (오래된 순), 평가 {len(test_items)}건 (최근)")
    cache: dict[str, list[str]] = {}
    ours, baseline = evaluation.compare(
        train_items, test_items, label="label", threshold=cut, token_cache=cache
    )
    console.print(eval_report.format_report(ours, baseline), markup=False, highlight=False)
    runs = [(f"{file.name} ({label})", ours, baseline)]
    if mixed > 0:
        others = [
            {"text": evaluation.petition_text(row), "label": row.get("category") or "기타"}
            for row in evaluation.load_petitions(CORPUS)
        ]
        mixed_train, added = evaluation.mix_history(train_items, others, mixed, avoid=test_items)
        m_ours, m_base = evaluation.compare(
            mixed_train,
            test_items,
            label="label",
            threshold=cut,
            token_cache=cache,
            allowed={item["label"] for item in train_items},
        )
        console.print("")
        console.print(
            eval_report.format_mixed(
                m_ours, m_base, added=added, plain=ours, plain_baseline=baseline
            ),
            markup=False,
            highlight=False,
        )
        runs.append((f"{file.name} ({label}) + 폐지 부서 {added:,}건", m_ours, m_base))
    if markdown is not None:
        command = "minwon " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        note = f"학습 {len(train_items):,}건 (오래된 80%), 평가 {len(test_items):,}건 (최근 20%)"
        try:
            markdown.write_text(eval_report.format_markdown(runs, command=command, note=note))
        except OSError as exc:
            unwritable(markdown, exc)
        console.print(f"{markdown}에 표를 썼습니다.")
