"""What a process that serves or works does to the database before it writes anything:
``minwon serve`` (each worker process too), ``minwon worker`` and ``minwon restore``.

- The schema must be this minwon's (``minwon db upgrade`` first).
- Stored transaction ids are brought below this server's after a restore from another
  PostgreSQL server (``commit_order.rebase``).
- Two-factor secrets are sealed under the current secret key (``twofactor.reseal_all``):
  those of an earlier minwon, stored in clear, and those sealed under a fallback key.
"""

import logging
from dataclasses import dataclass, field

from sqlalchemy import Engine

from minwon import commit_order, migrate
from minwon.config import Settings, get_settings, secret_key_problem
from minwon.db import write_session
from minwon.org import totp_seal, twofactor

log = logging.getLogger("minwon")


@dataclass
class Prepared:
    """What ``prepare`` did: the transaction-id shift (0 for none), how many two-factor
    secrets it sealed again, and who uses two-factor with a secret no key opens."""

    shift: int = 0
    resealed: int = 0
    unreadable: list[str] = field(default_factory=list)


def require_schema(engine: Engine) -> None:
    """Raise ``migrate.SchemaBehind`` when the database must be upgraded (or created) first."""
    if migrate.is_behind(engine):
        raise migrate.SchemaBehind()


def prepare(engine: Engine, settings: Settings | None = None) -> Prepared:
    """Make the database ready for this process to write (see the module); raises
    ``migrate.SchemaBehind`` when it has not been upgraded. Every step is a no-op the second
    time, so each process of a deployment may run it.

    Secrets are sealed only under a usable secret key (``secret_key_problem``): a restore run
    from a shell without the deployment's key must not seal them under the public default."""
    require_schema(engine)
    shift = commit_order.rebase(engine)
    chosen = settings or get_settings()
    if secret_key_problem(chosen.secret_key) is not None:
        return Prepared(shift=shift)
    with write_session(engine) as db:
        sealed = twofactor.reseal_all(db, totp_seal.keyring(chosen))
    return Prepared(shift=shift, resealed=sealed.resealed, unreadable=sealed.unreadable)


def log_report(done: Prepared) -> None:
    """Say in the log what ``prepare`` did that an operator should know (the web server's
    processes have no console of their own)."""
    if done.shift:
        log.info("restored database: transaction ids shifted by -%d", done.shift)
    if done.resealed:
        log.info("two-factor secrets sealed again under the current key: %d", done.resealed)
    if done.unreadable:
        log.error(unreadable_message(done.unreadable))


def unreadable_message(logins: list[str]) -> str:
    """Korean and English: whose two-factor secret no key opens, and the two ways out."""
    who = ", ".join(logins)
    return (
        f"2단계 인증 비밀값을 MINWON_SECRET_KEY로도 MINWON_SECRET_KEY_FALLBACKS로도 열 수 없는 "
        f"직원 {len(logins)}명: {who}. 이전 키를 MINWON_SECRET_KEY_FALLBACKS에 넣고 다시 "
        "시작하거나, 로그인 보안 페이지(/admin/security)에서 그 직원의 2단계 인증을 "
        "초기화하세요 (그때까지는 복구 코드로만 로그인합니다).\n"
        f"No key (MINWON_SECRET_KEY or MINWON_SECRET_KEY_FALLBACKS) opens the two-factor secret "
        f"of {len(logins)} staff: {who}. Put the previous key in MINWON_SECRET_KEY_FALLBACKS and "
        "restart, or reset their two-factor on /admin/security (until then they can sign in "
        "only with a recovery code)."
    )
