"""rollups per month, per unit, per officer, per office and category and for all offices: the
same sums at coarser grains, filled from the day rows already kept

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 03:00:00.000000
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VOICE = (
    ("received", sa.Integer()),
    ("answered", sa.Integer()),
    ("on_time", sa.Integer()),
    ("late", sa.Integer()),
    ("answer_hours", sa.Float()),
    ("closed", sa.Integer()),
    ("reopened", sa.Integer()),
    ("transferred_out", sa.Integer()),
)
SURVEY = (
    ("invitations", sa.Integer()),
    ("responses", sa.Integer()),
    ("invited_responses", sa.Integer()),
    ("csat_n", sa.Integer()),
    ("csat_sum", sa.Float()),
    ("csat_sq", sa.Float()),
    ("top2", sa.Integer()),
    ("nps_n", sa.Integer()),
    ("nps_sum", sa.Float()),
    ("promoters", sa.Integer()),
    ("detractors", sa.Integer()),
)
DIMS: dict[str, Callable[[], sa.types.TypeEngine[Any]]] = {
    "office_id": sa.Integer,
    "unit_id": sa.Integer,
    "officer_id": sa.Integer,
    "category_id": sa.Integer,
    "channel": lambda: sa.String(length=16),
}
# table, source, month grain, primary key (dimensions in key order; "day" is the grain column)
TABLES = (
    ("rollup_voice_month", "rollup_voice_day", True,
     ("office_id", "day", "unit_id", "category_id", "channel")),
    ("rollup_voice_day_all", "rollup_voice_day", False, ("day", "category_id", "channel")),
    ("rollup_voice_month_all", "rollup_voice_day", True, ("day", "category_id", "channel")),
    ("rollup_survey_month", "rollup_survey_day", True,
     ("office_id", "day", "unit_id", "category_id", "channel")),
    ("rollup_survey_day_unit", "rollup_survey_day", False, ("day", "office_id", "unit_id")),
    ("rollup_survey_month_unit", "rollup_survey_day", True, ("day", "office_id", "unit_id")),
    ("rollup_survey_day_office", "rollup_survey_day", False, ("day", "category_id", "office_id")),
    ("rollup_survey_month_office", "rollup_survey_day", True,
     ("day", "category_id", "office_id")),
    ("rollup_survey_month_officer", "rollup_survey_day", True,
     ("office_id", "day", "unit_id", "officer_id")),
    ("rollup_survey_day_all", "rollup_survey_day", False, ("day", "category_id", "channel")),
    ("rollup_survey_month_all", "rollup_survey_day", True, ("day", "category_id", "channel")),
)  # fmt: skip


def upgrade() -> None:
    bind = op.get_bind()
    month = (
        "CAST(date_trunc('month', day) AS DATE)"
        if bind.dialect.name == "postgresql"
        else "date(day, 'start of month')"
    )
    for name, source, monthly, key in TABLES:
        measures = VOICE if source == "rollup_voice_day" else SURVEY
        columns: list[sa.Column[Any]] = [
            sa.Column(k, sa.Date() if k == "day" else DIMS[k](), nullable=False) for k in key
        ]
        columns += [sa.Column(m, kind, nullable=False) for m, kind in measures]
        op.create_table(name, *columns, sa.PrimaryKeyConstraint(*key, name=op.f(f"pk_{name}")))
        dims = [k for k in key if k != "day"]
        day = month if monthly else "day"
        sums = ", ".join(f"SUM({m})" for m, _ in measures)
        names = ", ".join(["day", *dims, *(m for m, _ in measures)])
        group = ", ".join([day, *dims])
        order = ", ".join(day if k == "day" else k for k in key)  # rows read together, together
        op.execute(
            f"INSERT INTO {name} ({names}) SELECT {group}, {sums} FROM {source} "
            f"GROUP BY {group} ORDER BY {order}"
        )


def downgrade() -> None:
    for name, *_ in reversed(TABLES):
        op.drop_table(name)
