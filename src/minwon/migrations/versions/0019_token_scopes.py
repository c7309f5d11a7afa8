"""API tokens gain scopes (read, write, admin), an expiry, last use, revocation time and
who made them. Tokens already issued keep working: read and write (admins' also admin), and
they expire 90 days after this upgrade.

Revision ID: 0019_token_scopes
Revises: 0018_protection
Create Date: 2026-12-06 00:10:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import minwon.db

revision: str = "0019_token_scopes"
down_revision: str | None = "0018_protection"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EXISTING_TOKEN_DAYS = 90
"""Tokens issued before scopes existed expire this many days after the upgrade."""


def upgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scopes", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("expires_at", minwon.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("last_used_at", minwon.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("revoked_at", minwon.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_api_token_created_by_id_staff"), "staff", ["created_by_id"], ["id"]
        )
    token = sa.table(
        "api_token",
        sa.column("staff_id", sa.Integer()),
        sa.column("scopes", sa.String()),
        sa.column("expires_at", minwon.db.UTCDateTime(timezone=True)),
    )
    staff = sa.table("staff", sa.column("id", sa.Integer()), sa.column("role", sa.String()))
    role = sa.select(staff.c.role).where(staff.c.id == token.c.staff_id).scalar_subquery()
    scopes = sa.case((role == "admin", "read write admin"), else_="read write")
    expires = datetime.now(UTC) + timedelta(days=EXISTING_TOKEN_DAYS)
    op.execute(token.update().values(scopes=scopes, expires_at=expires))
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.alter_column("scopes", existing_type=sa.String(length=40), nullable=False)
        batch_op.alter_column(
            "expires_at", existing_type=minwon.db.UTCDateTime(timezone=True), nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_api_token_created_by_id_staff"), type_="foreignkey")
        batch_op.drop_column("created_by_id")
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("expires_at")
        batch_op.drop_column("scopes")
