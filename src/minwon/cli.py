"""The ``minwon`` command: serve, demo, db, worker, import(s), export, org, token, report,
rollups, backup, restore; ``analysis``, ``open311``, ``org``, ``export``, ``report``,
``rollups``, ``backup`` and ``restore`` come from their domains."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperGroup

from minwon import logs
from minwon.analysis.cli import analysis_app
from minwon.backup import cli as backup_cli
from minwon.cli_output import (
    console,
    err,
    principal_as,
    progress_bar,
    refuse,
)
from minwon.config import (
    MIN_SECRET_KEY_LENGTH,
    WILDCARD_HOSTS,
    apply_served_address,
    get_settings,
    secret_key_problem,
)
from minwon.open311.cli import open311_app
from minwon.org.cli import org_app
from minwon.org.roles import Principal
from minwon.reports import cli as reports_cli
from minwon.reports.cli import rollups_app
from minwon.voices import export_cli

if TYPE_CHECKING:
    from typer._click import Command, Context  # the Click Typer carries, as typer.core types

WITHOUT_SCHEMA = frozenset({"db", "demo", "serve", "worker", "backup", "restore", "analysis eval"})
"""Commands that run on a database ``minwon db upgrade`` has not (yet) made: the schema's own,
the demo (which upgrades it), serve, worker and backup (which check it themselves, after the
secret key), restore (into a new database) and those that use no database. Every other command
stops first with the message of ``_require_schema``, not on a missing table."""


class _Commands(TyperGroup):
    """The ``minwon`` command group: before a command that reads or writes the database, the
    schema is checked (``WITHOUT_SCHEMA``). Help is shown and a wrong command named without it,
    so ``--help`` works on any database."""

    def resolve_command(
        self, ctx: "Context", args: list[str]
    ) -> tuple[str | None, "Command | None", list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if (
            name
            and command
            and not ctx.resilient_parsing
            and _needs_schema(ctx, name, command, rest)
        ):
            _require_schema()
        return name, command, rest


def _needs_schema(ctx: "Context", name: str, command: "Command", rest: list[str]) -> bool:
    """Whether command ``name`` (with its arguments ``rest``) needs this minwon's schema."""
    if any(arg in ctx.help_option_names for arg in rest):
        return False
    if isinstance(command, TyperGroup):  # a group: the command it runs is its first argument
        if not rest or rest[0] not in command.commands:
            return False  # the group's help, or its refusal of a command it has not
        name = f"{name} {rest[0]}"
    return name not in WITHOUT_SCHEMA and name.split()[0] not in WITHOUT_SCHEMA


app = typer.Typer(
    cls=_Commands,
    help="minwon — 민원 대장: hear, record, answer and learn from citizens' voices.",
    rich_markup_mode="markdown",
)
db_app = typer.Typer(help="Database schema (Alembic).", rich_markup_mode="markdown")
app.add_typer(analysis_app, name="analysis")
app.add_typer(rollups_app, name="rollups")
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(open311_app, name="open311")


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Create or migrate the database schema to the newest revision."""
    from minwon import migrate

    migrate.upgrade(revision=revision)
    console.print(f"데이터베이스를 최신 구조로 맞췄습니다: {get_settings().database_url}")


@db_app.command("downgrade")
def db_downgrade(revision: str = "base") -> None:
    """Take the schema back to an earlier revision (default: empty)."""
    from minwon import migrate

    migrate.downgrade(revision=revision)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes", min=1)] = 1,
) -> None:
    """Serve the web pages and the API; several workers share one loaded copy of the
    application and the Korean model (see ``minwon.web.prefork``). Refuses a weak secret key.
    Links in mails, QR codes and surveys carry the address served unless ``MINWON_BASE_URL``
    is set."""
    check_port(port)
    require_secret_key()
    logs.to_stderr()
    _require_schema()  # the rest of the preparation is the application's (serve_app)
    url = apply_served_address(host, port)
    console.print(f"링크 주소 (메일·QR·만족도 조사): {url}", markup=False, highlight=False)
    if workers > 1:
        from minwon.web import prefork

        prefork.run(host=host, port=port, workers=workers)
        return
    import uvicorn

    uvicorn.run("minwon.app:serve_app", factory=True, host=host, port=port)


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="send what is due and stop")] = False,
) -> None:
    """Deliver the outbox (e-mail) with retries and run the background jobs (learning from
    transfers, hourly surge checks, survey invitations after answers), until stopped.
    Refuses a weak secret key, like ``serve``."""
    require_secret_key()
    logs.to_stderr()
    import minwon.models  # noqa: F401  (every table known before the first outbox round)
    from minwon.db import get_engine
    from minwon.outbox.smtp import SmtpSender
    from minwon.outbox.worker import run_forever, run_once

    settings = get_settings()
    engine, sender = get_engine(), SmtpSender(settings)
    from minwon import background

    _prepare_database()
    if once:
        done = background.run_once(engine, base_url=settings.base_url, force=True)
        console.print(
            f"학습한 이송: {done.learned}건, 급증 알림: {done.alerts}건, "
            f"만족도 조사 초대: {done.invited}건, 가져온 민원 분석: {done.analysed}건"
        )
        if done.busy:
            console.print(f"다른 작업자가 실행 중이라 건너뛴 작업: {', '.join(done.busy)}")
        console.print(f"보낸 메시지: {run_once(engine=engine, sender=sender)}건")
        return
    console.print(
        f"발송 작업을 시작합니다 (SMTP {settings.smtp_host}:{settings.smtp_port}). "
        "Ctrl+C로 멈춥니다."
    )
    stop = threading.Event()
    threading.Thread(
        target=background.run_forever,
        args=(engine, stop),
        kwargs={"base_url": settings.base_url},
        name="background",
        daemon=True,
    ).start()
    try:
        run_forever(
            engine=engine, sender=sender, stop=stop, poll_seconds=settings.worker_poll_seconds
        )
    except KeyboardInterrupt:
        stop.set()


@contextmanager
def _stop_when_behind() -> Iterator[None]:
    """Stop (exit code 2) with the message when the database needs ``minwon db upgrade``."""
    from minwon import migrate

    try:
        yield
    except migrate.SchemaBehind as exc:
        err.print(str(exc))
        raise typer.Exit(2) from exc


def _require_schema() -> None:
    """Stop when the configured database needs ``minwon db upgrade`` first."""
    from minwon import startup
    from minwon.db import get_engine

    with _stop_when_behind():
        startup.require_schema(get_engine())


def _prepare_database() -> None:
    """Ready the configured database for a serving or working process (``startup.prepare``)
    and say what was done; stop when its schema needs ``minwon db upgrade``."""
    import minwon.models  # noqa: F401  (every table known before the database is touched)
    from minwon import startup
    from minwon.db import get_engine

    with _stop_when_behind():
        done = startup.prepare(get_engine())
    if done.shift:  # restored by hand from another server
        console.print(
            f"복원된 데이터베이스의 작업 순서를 이어 갑니다 (트랜잭션 번호 -{done.shift:,})."
        )
    if done.resealed:
        console.print(f"2단계 인증 비밀값 {done.resealed}개를 지금의 키로 다시 봉인했습니다.")
    if done.unreadable:
        err.print(startup.unreadable_message(done.unreadable), markup=False, highlight=False)


def check_port(port: int) -> None:
    """Stop (exit code 2) when ``port`` is no TCP port, before anything is loaded or bound."""
    if not 1 <= port <= 65535:
        refuse(f"포트는 1부터 65535 사이의 수여야 합니다: {port}", code=2)


def require_secret_key() -> None:
    """Stop (exit code 2) with a Korean and English message when ``MINWON_SECRET_KEY`` is the
    shipped default, empty or short: anyone knowing the key can forge a signed cookie."""
    problem = secret_key_problem(get_settings().secret_key)
    if problem is None:
        return
    err.print(
        f"MINWON_SECRET_KEY가 안전하지 않아 시작하지 않습니다: {problem}.\n"
        f"{MIN_SECRET_KEY_LENGTH}자 이상의 무작위 값을 환경 변수나 .env 파일에 넣으세요. 예:\n"
        '  export MINWON_SECRET_KEY="$(python -c '
        "'import secrets; print(secrets.token_urlsafe(48))')\"\n"
        "Refusing to start: MINWON_SECRET_KEY is unsafe (the shipped default, empty, or "
        f"shorter than {MIN_SECRET_KEY_LENGTH} characters). Set a random value in the "
        "environment or in .env, e.g.:\n"
        '  python -c "import secrets; print(secrets.token_urlsafe(48))"',
        markup=False,
        highlight=False,
    )
    raise typer.Exit(2)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV/XLSX/XLS file")],
    create_units: Annotated[bool, typer.Option(help="create unknown units")] = False,
    office: Annotated[str | None, typer.Option(help="office code for rows without one")] = None,
    as_login: Annotated[
        str, typer.Option("--as", help="staff login recorded as importer")
    ] = "admin",
    again: Annotated[
        bool, typer.Option("--again", help="import a file an earlier import already saved")
    ] = False,
    check: Annotated[
        bool, typer.Option("--check", help="check the file and say what it would do; save nothing")
    ] = False,
) -> None:
    """Import voices from a CSV/XLSX/XLS file; a file with any bad row imports nothing. The
    analysis of the imported voices follows in `minwon worker` (see `minwon imports`)."""
    from minwon.db import get_engine
    from minwon.voices.import_cli import run_import

    principal = _principal(as_login)
    report = run_import(
        console,
        engine=get_engine(),
        path=file,
        principal=principal,
        create_units=create_units,
        office=office,
        again=again,
        check_only=check,
    )
    if report.errors:
        err.print(report.format(), markup=False, highlight=False)
        raise typer.Exit(1)
    console.print(report.format(), markup=False, highlight=False)


@app.command("imports")
def imports(
    follow: Annotated[bool, typer.Option(help="show bars until saving and analysis end")] = False,
    limit: Annotated[int, typer.Option(help="how many recent imports")] = 10,
    as_login: Annotated[str, typer.Option("--as", help="whose imports (by office)")] = "admin",
) -> None:
    """Recent imports: rows checked, voices saved, analyses made by the worker."""
    from minwon.db import get_engine
    from minwon.voices.import_cli import follow_imports, show_imports

    principal, engine = _principal(as_login), get_engine()
    show_imports(console, engine=engine, principal=principal, limit=limit)
    if follow:
        follow_imports(console, engine=engine, principal=principal, limit=limit)


app.command()(export_cli.export)


app.command()(reports_cli.report)


app.command()(backup_cli.backup)
app.command()(backup_cli.restore)


@app.command()
def token(
    login: str,
    name: Annotated[str, typer.Option(help="what the token is for")] = "cli",
    scopes: Annotated[
        str | None,
        typer.Option(
            help="read, write, admin (comma or space separated); default: all the role allows"
        ),
    ] = None,
    days: Annotated[int, typer.Option(help="days until it expires (1-365)")] = 90,
) -> None:
    """Issue an API bearer token for a staff member (shown once), with scopes and an expiry."""
    from minwon.db import write_session
    from minwon.errors import MinwonError
    from minwon.org import service as org_service

    try:
        with write_session() as db:
            staff = org_service.staff_by_login(db_session=db, login=login)
            raw = org_service.issue_token(
                db_session=db, staff=staff, name=name, scopes=scopes, expires_in_days=days
            )
    except MinwonError as exc:
        err.print(exc.message)
        raise typer.Exit(1) from exc
    console.print(raw)


@app.command()
def demo(
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="serve after loading")
    ] = True,
    voices: Annotated[
        int, typer.Option(help="how many demo voices (at most 5,000 from the packaged corpus)")
    ] = 3000,
    data: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="another JSONL.GZ of texts (category, title, body); default: the packaged corpus",
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
) -> None:
    """Load the demo organisation and voices, print the logins, then serve. Without a strong
    ``MINWON_SECRET_KEY`` the demo signs cookies with its own random key, made once and kept
    in ``.minwon-secret`` beside the database (see ``minwon.demo.secret``). Links and the
    printed address follow ``--host``/``--port`` unless ``MINWON_BASE_URL`` is set."""
    import os

    from minwon.demo.secret import demo_secret_key
    from minwon.demo.setup import load_demo

    check_port(port)
    key = demo_secret_key(get_settings())
    if key != get_settings().secret_key:
        os.environ["MINWON_SECRET_KEY"] = key
        get_settings.cache_clear()
    url = apply_served_address(host, port)

    with progress_bar("데모 민원 만드는 중") as bar:
        task = bar.add_task("demo", total=voices)
        logins, api_token = load_demo(
            voices=voices,
            data_path=data,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    _print_logins(logins, api_token, url, host, port)
    _print_open311(url)
    if serve_after:
        _background_beside(url)
        serve(host=host, port=port, workers=1)


DEMO_ROUND_SECONDS = 30.0
"""How often the demo runs the worker's background round beside serving."""


def _background_beside(url: str) -> tuple[threading.Event, threading.Thread]:
    """Run the worker's background rounds (rollups, survey invitations, learning from
    transfers, surges) in this process while the demo serves, so what is done in the demo
    reaches its dashboards; mail stays in the outbox (``minwon worker`` delivers it by SMTP).
    Setting the returned event stops them (the thread ends after its round)."""
    from minwon import background
    from minwon.db import get_engine

    stop = threading.Event()
    thread = threading.Thread(
        target=background.run_forever,
        args=(get_engine(), stop),
        kwargs={"base_url": url, "poll_seconds": DEMO_ROUND_SECONDS},
        name="demo-background",
        daemon=True,
    )
    thread.start()
    console.print(
        f"대시보드 집계·만족도 조사 초대 같은 뒷일은 이 데모 안에서 {DEMO_ROUND_SECONDS:.0f}초마다 "
        "돕니다. 메일은 보내지 않고 보낼 편지함에 남깁니다(보내려면 minwon worker).",
        markup=False,
        highlight=False,
    )
    return stop, thread


def _print_logins(
    logins: list[tuple[str, str, str]], api_token: str, url: str, host: str, port: int
) -> None:
    from rich.table import Table

    from minwon.config import served_base_url

    table = Table(title="데모 로그인 (비밀번호 minwon-demo-pass)")
    for col in ("아이디", "이름", "역할"):
        table.add_column(col)
    for row in logins:
        table.add_row(*row)
    console.print(table)
    console.print(f"관리자 API 토큰: [bold]{api_token}[/bold] (read write admin, 90일 뒤 만료)")
    console.print("2단계 인증은 데모에서 꺼 두었습니다 (관리자가 /admin/security 에서 켭니다).")
    console.print(
        f"주소: {url}  (직원 로그인: {url}/login, 시민 민원 신청: {url}/submit)",
        markup=False,
        highlight=False,
    )
    here = served_base_url(host, port)
    if here != url:
        console.print(f"이 컴퓨터에서 여는 주소: {here}", markup=False, highlight=False)
    if host.strip() in WILDCARD_HOSTS and url == here:
        console.print(
            "다른 기기(휴대전화 등)에서 열고 메일·QR 링크도 그 주소로 만들려면 "
            f"MINWON_BASE_URL=http://<이 컴퓨터의 주소>:{port} 를 설정하세요.",
            markup=False,
            highlight=False,
        )


def _print_open311(url: str) -> None:
    """Set up the demo's Open311 services and print a fresh demo key (made on this run,
    never shipped) with a request to try."""
    from minwon.db import get_engine
    from minwon.demo.open311 import load_demo_open311
    from minwon.timeutil import utcnow

    key = load_demo_open311(get_engine(), now=utcnow())
    console.print(f"Open311 데모 키 (GR): {key}", markup=False, highlight=False)
    console.print(
        f"Open311: {url}/open311/v2/discovery.xml · {url}/open311/v2/services.json"
        "?jurisdiction_id=GR",
        markup=False,
        highlight=False,
    )


def _principal(login: str) -> Principal:
    """Whom the command acts as (``--as``; ``principal_as``), read in a session of its own."""
    from minwon.db import get_engine, session_factory

    with session_factory(get_engine())() as db:
        return principal_as(db, login)


def main() -> None:
    """Entry point: run the command; a user's mistake is a message, never a traceback."""
    from minwon.errors import MinwonError

    try:
        app()
    except MinwonError as exc:
        where = f" ({exc.field})" if exc.field else ""
        err.print(f"[red]오류{where}:[/red] {exc.message}")
        raise SystemExit(1) from exc
