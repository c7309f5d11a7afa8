"""rollups

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 23:47:24.411227
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rollup_cursor",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_rollup_cursor")),
    )
    op.create_table(
        "rollup_survey_day",
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("invitations", sa.Integer(), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.Column("invited_responses", sa.Integer(), nullable=False),
        sa.Column("csat_n", sa.Integer(), nullable=False),
        sa.Column("csat_sum", sa.Float(), nullable=False),
        sa.Column("csat_sq", sa.Float(), nullable=False),
        sa.Column("top2", sa.Integer(), nullable=False),
        sa.Column("nps_n", sa.Integer(), nullable=False),
        sa.Column("nps_sum", sa.Float(), nullable=False),
        sa.Column("promoters", sa.Integer(), nullable=False),
        sa.Column("detractors", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "office_id",
            "day",
            "unit_id",
            "officer_id",
            "category_id",
            "channel",
            name=op.f("pk_rollup_survey_day"),
        ),
    )
    op.create_table(
        "rollup_voice_day",
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("late", sa.Integer(), nullable=False),
        sa.Column("answer_hours", sa.Float(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("transferred_out", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "office_id",
            "day",
            "unit_id",
            "category_id",
            "channel",
            name=op.f("pk_rollup_voice_day"),
        ),
    )


def downgrade() -> None:
    op.drop_table("rollup_voice_day")
    op.drop_table("rollup_survey_day")
    op.drop_table("rollup_cursor")
