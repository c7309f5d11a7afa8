"""Two-factor secrets are stored sealed (``minwon.org.totp_seal``), which takes more room than
a plain base32 secret. The secrets already stored are sealed when ``minwon serve`` or
``minwon worker`` next starts (``twofactor.reseal_all``), since the key is not the database's.

Revision ID: 0021_sealed_totp
Revises: 0020_commit_order
Create Date: 2026-12-07 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_sealed_totp"
down_revision: str | None = "0020_commit_order"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret", existing_type=sa.String(length=64), type_=sa.String(length=255)
        )


def downgrade() -> None:
    # A sealed secret does not fit the old column, and the old code cannot open it: two-factor
    # is turned off for those staff, and set up again at their next sign-in.
    staff = sa.table(
        "staff",
        sa.column("totp_secret", sa.String()),
        sa.column("totp_enabled_at", sa.DateTime()),
        sa.column("totp_last_step", sa.Integer()),
    )
    op.execute(
        staff.update()
        .where(staff.c.totp_secret.like("sealed:%"))
        .values(totp_secret="", totp_enabled_at=None, totp_last_step=0)
    )
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret", existing_type=sa.String(length=255), type_=sa.String(length=64)
        )
