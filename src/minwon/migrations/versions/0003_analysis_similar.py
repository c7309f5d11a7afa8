"""analysis: similar-voice index, repeats, surges, learning cursor

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 23:08:19.241728
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import minwon.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analysis_cursor",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_analysis_cursor")),
    )
    op.create_table(
        "voice_band",
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.BigInteger(), nullable=False),
        sa.Column("voice_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("office_id", "band", "voice_id", name=op.f("pk_voice_band")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "surge_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.Column("window_end", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("current", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("p_value", sa.Float(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("voice_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_surge_alert_office_id_office")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_surge_alert_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surge_alert")),
        sa.UniqueConstraint(
            "office_id", "kind", "key", "window_end", name=op.f("uq_surge_alert_office_id")
        ),
    )
    with op.batch_alter_table("voice_analysis", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tokens", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("terms", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("citizen_key", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("channel", sa.String(length=16), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("received_at", minwon.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("dong", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("cluster_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("duplicate_of", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("repeat_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("mass", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index(
            batch_op.f("ix_voice_analysis_citizen_key"), ["citizen_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_voice_analysis_cluster_id"), ["cluster_id"], unique=False
        )
        batch_op.create_index(
            "ix_voice_analysis_office_received", ["office_id", "received_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("voice_analysis", schema=None) as batch_op:
        batch_op.drop_index("ix_voice_analysis_office_received")
        batch_op.drop_index(batch_op.f("ix_voice_analysis_cluster_id"))
        batch_op.drop_index(batch_op.f("ix_voice_analysis_citizen_key"))
        batch_op.drop_column("mass")
        batch_op.drop_column("repeat_count")
        batch_op.drop_column("duplicate_of")
        batch_op.drop_column("cluster_id")
        batch_op.drop_column("dong")
        batch_op.drop_column("received_at")
        batch_op.drop_column("channel")
        batch_op.drop_column("citizen_key")
        batch_op.drop_column("tokens")
        batch_op.drop_column("terms")

    op.drop_table("surge_alert")
    op.drop_table("voice_band")
    op.drop_table("analysis_cursor")
