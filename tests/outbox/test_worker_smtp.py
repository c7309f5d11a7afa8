"""The worker against a real local SMTP server: Korean mail arrives intact, exactly once."""

import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import Engine, select

from minwon.config import Settings
from minwon.db import session_factory
from minwon.outbox.models import OutboxMessage
from minwon.outbox.service import enqueue
from minwon.outbox.smtp import SmtpSender, message_id
from minwon.outbox.worker import run_once
from minwon.timeutil import utcnow

MAIL_FROM = "minwon@example.go.kr"
MAILS = [
    (
        "kim@example.kr",
        "[민원] 답변이 등록되었습니다",
        "김민수 님,\n요청하신 가로등 수리가 완료되었습니다.",
    ),
    (
        "lee@example.kr",
        "처리 기간 연장 안내",
        "이영희 님, 담당 부서 검토로 처리 기간이 연장됩니다.",
    ),
    ("park@example.kr", "만족도 조사 🙏", "박철수 님, 민원 처리에 대한 의견을 들려주세요."),
]


@dataclass
class Collector:
    """An aiosmtpd handler that keeps every message it is given."""

    received: list[tuple[list[str], EmailMessage, bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = bytes(envelope.content)
        parsed = email.message_from_bytes(raw, policy=default)
        self.received.append((list(envelope.rcpt_tos), parsed, raw))  # type: ignore[arg-type]
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def collector() -> Collector:
    return Collector()


@pytest.fixture
def start_server(collector: Collector, smtp_port: int) -> Iterator[Any]:
    controllers: list[Controller] = []

    def start(**kwargs: Any) -> Controller:
        controller = Controller(collector, hostname="127.0.0.1", port=smtp_port, **kwargs)
        controller.start()
        controllers.append(controller)
        return controller

    yield start
    for controller in controllers:
        controller.stop()


def _settings(port: int, **kwargs: Any) -> Settings:
    return Settings(smtp_host="127.0.0.1", smtp_port=port, mail_from=MAIL_FROM, **kwargs)


def _seed(engine: Engine) -> list[int]:
    with session_factory(engine)() as db:
        rows = [
            enqueue(db_session=db, recipient=to, subject=subject, body=body, topic="answer")
            for to, subject, body in MAILS
        ]
        db.commit()
        return [row.id for row in rows]


def _rows(engine: Engine) -> list[OutboxMessage]:
    with session_factory(engine)() as db:
        return list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _assert_delivered_once(collector: Collector, engine: Engine) -> None:
    assert len(collector.received) == 3
    by_recipient = {rcpts[0]: (rcpts, mail, raw) for rcpts, mail, raw in collector.received}
    rows = {row.recipient: row for row in _rows(engine)}
    for to, subject, body in MAILS:
        rcpts, mail, raw = by_recipient[to]
        assert rcpts == [to]
        assert raw.isascii()
        assert mail["Subject"] == subject
        assert mail["From"] == MAIL_FROM
        assert mail["To"] == to
        # Text bodies travel in canonical CRLF form (RFC 2046), so compare line by line.
        assert mail.get_content().splitlines() == body.splitlines()
        assert mail["Message-ID"] == message_id(rows[to], MAIL_FROM)
        assert rows[to].status == "sent"


def test_worker_delivers_korean_mail_once(
    engine: Engine, start_server: Any, collector: Collector, smtp_port: int
) -> None:
    start_server()
    _seed(engine)
    sender = SmtpSender(_settings(smtp_port), timeout=5)
    assert run_once(engine=engine, sender=sender) == 3
    _assert_delivered_once(collector, engine)
    assert run_once(engine=engine, sender=sender) == 0
    assert len(collector.received) == 3


def test_server_down_then_up(
    engine: Engine, start_server: Any, collector: Collector, smtp_port: int
) -> None:
    _seed(engine)
    sender = SmtpSender(_settings(smtp_port), timeout=5)
    now = utcnow()
    assert run_once(engine=engine, sender=sender, now=now) == 0
    for row in _rows(engine):
        assert (row.status, row.attempts, row.claimed_until) == ("pending", 1, None)
        assert row.next_attempt_at > now
        assert "ConnectionRefusedError" in row.last_error
    start_server()
    assert run_once(engine=engine, sender=sender, now=now) == 0
    assert run_once(engine=engine, sender=sender, now=now + timedelta(seconds=31)) == 3
    _assert_delivered_once(collector, engine)
    assert run_once(engine=engine, sender=sender, now=now + timedelta(hours=2)) == 0
    assert len(collector.received) == 3


def test_login_when_user_is_configured(
    engine: Engine, start_server: Any, collector: Collector, smtp_port: int
) -> None:
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret")

    start_server(authenticator=authenticator, auth_require_tls=False)
    _seed(engine)
    settings = _settings(smtp_port, smtp_user="minwon", smtp_password="s3cret")
    assert run_once(engine=engine, sender=SmtpSender(settings, timeout=5)) == 3
    assert logins and set(logins) == {(b"minwon", b"s3cret")}
    _assert_delivered_once(collector, engine)


class FakeSMTP:
    """Stands in for ``smtplib.SMTP`` to observe the STARTTLS/login sequence."""

    calls: list[tuple[str, Any]] = []

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.calls.append(("connect", (host, port, timeout)))

    def __enter__(self) -> "FakeSMTP":
        return self

    def __exit__(self, *exc: object) -> None:
        self.calls.append(("quit", None))

    def starttls(self, context: Any) -> None:
        self.calls.append(("starttls", None))

    def login(self, user: str, password: str) -> None:
        self.calls.append(("login", (user, password)))

    def send_message(self, mail: EmailMessage, from_addr: str, to_addrs: list[str]) -> None:
        self.calls.append(("send", (from_addr, to_addrs)))


def test_starttls_and_login_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("minwon.outbox.smtp.smtplib.SMTP", FakeSMTP)
    FakeSMTP.calls = []
    settings = Settings(
        smtp_host="mail.example.go.kr",
        smtp_port=587,
        smtp_starttls=True,
        smtp_user="u",
        smtp_password="p",
        mail_from=MAIL_FROM,
    )
    message = OutboxMessage(
        id=7, recipient="a@example.kr", subject="제목", body="본문", created_at=utcnow()
    )
    SmtpSender(settings, timeout=12).send(message)
    assert FakeSMTP.calls == [
        ("connect", ("mail.example.go.kr", 587, 12)),
        ("starttls", None),
        ("login", ("u", "p")),
        ("send", (MAIL_FROM, ["a@example.kr"])),
        ("quit", None),
    ]


def test_message_id_is_stable_per_row() -> None:
    settings = _settings(25)
    created = utcnow()
    row = OutboxMessage(id=42, recipient="a@example.kr", subject="s", body="b", created_at=created)
    first = SmtpSender(settings).build(row)["Message-ID"]
    again = SmtpSender(settings).build(row)["Message-ID"]
    other = OutboxMessage(
        id=43, recipient="a@example.kr", subject="s", body="b", created_at=created
    )
    assert first == again == message_id(row, MAIL_FROM)
    assert first.startswith("<minwon.outbox.42.") and first.endswith("@example.go.kr>")
    assert SmtpSender(settings).build(other)["Message-ID"] != first


def test_a_stored_subject_with_a_line_break_still_builds() -> None:
    row = OutboxMessage(
        id=9, recipient="a@example.kr", subject="가로등\n고장", body="b", created_at=utcnow()
    )
    mail = SmtpSender(_settings(25)).build(row)
    assert str(mail["Subject"]) == "가로등 고장"
