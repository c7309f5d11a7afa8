"""survey rollups: answered invitations kept with their invitation, answers without an
invitation counted apart (``uninvited_responses``); the survey rollups are emptied and their
cursors reset, so the next ``minwon rollups update`` (or the worker's round) counts every
invitation and response again by the new rule

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "rollup_survey_day",
    "rollup_survey_month",
    "rollup_survey_day_unit",
    "rollup_survey_month_unit",
    "rollup_survey_day_office",
    "rollup_survey_month_office",
    "rollup_survey_month_officer",
    "rollup_survey_day_all",
    "rollup_survey_month_all",
)


def _recount() -> None:
    """Empty the survey rollups and rewind their cursors: counted again on the next round."""
    for name in TABLES:
        op.execute(sa.text(f"DELETE FROM {name}"))
    op.execute(
        sa.text("UPDATE rollup_cursor SET position = 0 WHERE name IN ('invitations', 'responses')")
    )


def upgrade() -> None:
    for name in TABLES:
        op.add_column(
            name,
            sa.Column("uninvited_responses", sa.Integer(), nullable=False, server_default="0"),
        )
    _recount()


def downgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.drop_column("uninvited_responses")
    _recount()
