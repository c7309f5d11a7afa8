"""citizens' attachments to their voices

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import minwon.db

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "voice_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("voice_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("added_at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["voice_id"], ["voice.id"], name=op.f("fk_voice_attachment_voice_id_voice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voice_attachment")),
    )
    with op.batch_alter_table("voice_attachment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voice_attachment_voice_id"), ["voice_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("voice_attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voice_attachment_voice_id"))
    op.drop_table("voice_attachment")
