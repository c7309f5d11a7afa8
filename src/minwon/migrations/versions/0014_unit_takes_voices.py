"""units that no longer take voices (closed, or merged into another), their duties, and
unit routing models per office

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("routing_model", schema=None) as batch_op:
        batch_op.add_column(sa.Column("office_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_routing_model_office_id_office"), "office", ["office_id"], ["id"]
        )
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("takes_voices", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("duties", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_unit_merged_into_id_unit"), "unit", ["merged_into_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_unit_merged_into_id_unit"), type_="foreignkey")
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("duties")
        batch_op.drop_column("takes_voices")
    with op.batch_alter_table("routing_model", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_routing_model_office_id_office"), type_="foreignkey"
        )
        batch_op.drop_column("office_id")
