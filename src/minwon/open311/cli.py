"""``minwon open311 ...``: client keys and services from the command line (the same rules as
the admin page: an admin's login, the offices they manage)."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from minwon.cli_output import principal_as
from minwon.org.roles import Principal

if TYPE_CHECKING:
    from pydantic import ValidationError

open311_app = typer.Typer(
    help="Open311 GeoReport v2: client keys and services.", rich_markup_mode="markdown"
)
console = Console()
err = Console(stderr=True)
AsLogin = Annotated[str, typer.Option("--as", help="admin login acting")]
T = TypeVar("T")
KEY_OPTIONS = {"name": "NAME", "offices": "--office", "rate_limit": "--rate-limit"}
"""Where each field of a new key comes from on the command line, to name it in a refusal."""
RATE_LIMIT_RULE = "60/hour, 10/minute처럼 '횟수/단위'(단위: second, minute, hour, day)로 적습니다"


def _office_codes(db: Session) -> dict[int, str]:
    from minwon.org.models import Office

    return {o.id: o.code for o in db.scalars(select(Office))}


def _run(login: str, action: Callable[[Session, Principal], T]) -> T:
    """Run ``action(db, principal)`` in one write transaction as ``login``; a refusal is a
    message and exit code 1, never a traceback."""
    from minwon.db import write_session
    from minwon.errors import MinwonError

    try:
        with write_session() as db:
            return action(db, principal_as(db, login))
    except MinwonError as exc:
        err.print(f"[red]오류:[/red] {exc.message}")
        raise typer.Exit(1) from exc


@open311_app.command("keys")
def list_keys(as_login: AsLogin = "admin") -> None:
    """List client keys (name, start of the key, offices, rate limit, state)."""
    from minwon.open311 import keys

    def show(db: Session, principal: Principal) -> None:
        codes = _office_codes(db)
        table = Table(title="Open311 keys")
        for col in ("id", "name", "key", "offices", "rate limit", "state"):
            table.add_column(col)
        for k in keys.list_keys(db_session=db, principal=principal):
            offices = ",".join(codes[o.office_id] for o in k.offices)
            state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "live"
            table.add_row(str(k.id), k.name, f"{k.hint}…", offices, k.rate_limit, state)
        console.print(table)

    _run(as_login, show)


@open311_app.command("issue-key")
def issue_key(
    name: Annotated[str, typer.Argument(help="who the key is for")],
    office: Annotated[list[str], typer.Option(help="office code it may file into (repeat)")],
    rate_limit: Annotated[str, typer.Option(help="e.g. 60/hour")] = "60/hour",
    as_login: AsLogin = "admin",
) -> None:
    """Issue a client key and print it once (only its hash is kept)."""
    from pydantic import ValidationError

    from minwon.open311 import keys
    from minwon.open311.schemas import KeyCreate
    from minwon.timeutil import utcnow

    try:
        key_in = KeyCreate(name=name, offices=office, rate_limit=rate_limit)
    except ValidationError as exc:
        for problem in _key_problems(exc):
            err.print(f"[red]오류:[/red] {escape(problem)}")
        raise typer.Exit(2) from exc
    raw = _run(
        as_login,
        lambda db, p: keys.issue(db_session=db, key_in=key_in, principal=p, now=utcnow())[1],
    )
    console.print(raw, markup=False, highlight=False)


def _key_problems(exc: "ValidationError") -> list[str]:
    """What is wrong with the options of a new key, in Korean, each naming its option."""
    from minwon.org.schemas import korean_message

    problems = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        if field == "rate_limit" and error["type"] == "value_error":
            text = f"{RATE_LIMIT_RULE} (값: {error['input']!r})"
        else:
            text = korean_message(error)
        problems.append(f"{KEY_OPTIONS.get(field, field)}: {text}")
    return problems


@open311_app.command("revoke-key")
def revoke_key(key_id: int, as_login: AsLogin = "admin") -> None:
    """Revoke a client key at once."""
    from minwon.open311 import keys
    from minwon.timeutil import utcnow

    name = _run(
        as_login,
        lambda db, p: keys.revoke(db_session=db, key_id=key_id, principal=p, now=utcnow()).name,
    )
    console.print(f"폐기했습니다: {name}")


@open311_app.command("services")
def list_services(as_login: AsLogin = "admin") -> None:
    """List services with their jurisdiction, attributes and whether they are offered."""
    from minwon.open311 import definitions

    def show(db: Session, principal: Principal) -> None:
        codes = _office_codes(db)
        table = Table(title="Open311 services")
        for col in ("jurisdiction_id", "service_code", "name", "attributes", "offered"):
            table.add_column(col)
        for s in definitions.list_services(db_session=db, principal=principal):
            attrs = ", ".join(f"{a.code}:{a.datatype}" for a in s.attributes)
            offered = "yes" if s.active else "no"
            table.add_row(codes[s.office_id], s.code, s.name, attrs, offered)
        console.print(table)

    _run(as_login, show)
