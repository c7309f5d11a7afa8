"""Each import keeps its file's SHA-256, so the same file is not imported twice by accident
(``importer``: a file an earlier import loaded is refused unless asked again).

Revision ID: 0022_import_digest
Revises: 0021_sealed_totp
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_import_digest"
down_revision: str | None = "0021_sealed_totp"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("voice_import", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("digest", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.create_index("ix_voice_import_digest", ["digest"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("voice_import", schema=None) as batch_op:
        batch_op.drop_index("ix_voice_import_digest")
        batch_op.drop_column("digest")
