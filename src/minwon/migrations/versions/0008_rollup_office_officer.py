"""survey rollups per office and category (offices ranked on one category) and per officer and
month (tables by officer over long periods), filled from the day rows already kept

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 03:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUMS = (
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
# table, month grain, primary key ("day" is the grain column; the rest are integer ids)
TABLES = (
    ("rollup_survey_day_office", False, ("day", "category_id", "office_id")),
    ("rollup_survey_month_office", True, ("day", "category_id", "office_id")),
    ("rollup_survey_month_officer", True, ("office_id", "day", "unit_id", "officer_id")),
)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    month = "CAST(date_trunc('month', day) AS DATE)" if postgres else "date(day, 'start of month')"
    for name, monthly, key in TABLES:
        columns = [
            sa.Column(k, sa.Date() if k == "day" else sa.Integer(), nullable=False) for k in key
        ]
        columns += [sa.Column(m, kind, nullable=False) for m, kind in SUMS]
        op.create_table(name, *columns, sa.PrimaryKeyConstraint(*key, name=op.f(f"pk_{name}")))
        group = ", ".join(month if k == "day" and monthly else k for k in key)
        names = ", ".join([*key, *(m for m, _ in SUMS)])
        sums = ", ".join(f"SUM({m})" for m, _ in SUMS)
        op.execute(
            f"INSERT INTO {name} ({names}) SELECT {group}, {sums} "
            f"FROM rollup_survey_day GROUP BY {group} ORDER BY {group}"
        )


def downgrade() -> None:
    for name, *_ in reversed(TABLES):
        op.drop_table(name)
