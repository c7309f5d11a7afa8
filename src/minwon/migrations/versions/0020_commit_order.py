"""The streams background jobs read (ledger events, survey invitations and responses) record
the transaction that wrote each row, and the jobs' cursors keep it (``minwon.commit_order``):
on PostgreSQL a row whose transaction committed late with a lower id is no longer passed over.

Rows already there get 0 and come first, in id order, as they were read before; the
cursors' positions keep their meaning. ``commit_order_server`` records the PostgreSQL server
the ids are from, so a restore onto another server is noticed (``commit_order.rebase``).

Revision ID: 0020_commit_order
Revises: 0019_token_scopes
Create Date: 2026-12-06 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_commit_order"
down_revision: str | None = "0019_token_scopes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STREAMS = ("voice_event", "survey_invitation", "survey_response")
CURSORS = ("analysis_cursor", "rollup_cursor")


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in STREAMS:
        # a constant default first, so the rows already there get 0 without a table rewrite
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("txid", sa.BigInteger(), nullable=False, server_default="0")
            )
            batch_op.create_index(f"ix_{table}_txid", ["txid", "id"], unique=False)
        if postgresql:
            op.execute(
                f"ALTER TABLE {table} ALTER COLUMN txid "
                "SET DEFAULT (pg_current_xact_id()::text::bigint)"
            )
    for table in CURSORS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("txid", sa.BigInteger(), nullable=False, server_default="0")
            )
    op.create_table(
        "commit_order_server",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("system_identifier", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commit_order_server")),
    )


def downgrade() -> None:
    op.drop_table("commit_order_server")
    for table in CURSORS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("txid")
    for table in STREAMS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_txid")
            batch_op.drop_column("txid")
