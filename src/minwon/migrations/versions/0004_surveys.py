"""surveys

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 23:33:18.616009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import minwon.db

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "survey_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("delay_hours", sa.Integer(), nullable=False),
        sa.Column("quiet_days", sa.Integer(), nullable=False),
        sa.Column("expires_days", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_survey_template_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_template")),
        sa.UniqueConstraint(
            "organization_id", "code", name=op.f("uq_survey_template_organization_id")
        ),
    )
    op.create_table(
        "survey_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["survey_template.id"],
            name=op.f("fk_survey_question_template_id_survey_template"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_question")),
        sa.UniqueConstraint("template_id", "key", name=op.f("uq_survey_question_template_id")),
    )
    with op.batch_alter_table("survey_question", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_survey_question_template_id"), ["template_id"], unique=False
        )

    op.create_table(
        "survey_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("voice_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("campaign", sa.String(length=32), nullable=False),
        sa.Column("citizen_key", sa.String(length=32), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("short_code", sa.String(length=12), nullable=False),
        sa.Column("via", sa.String(length=12), nullable=False),
        sa.Column("created_at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("send_at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", minwon.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_survey_invitation_category_id_category")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_survey_invitation_office_id_office")
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["staff.id"], name=op.f("fk_survey_invitation_officer_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["survey_template.id"],
            name=op.f("fk_survey_invitation_template_id_survey_template"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_survey_invitation_unit_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["voice_id"], ["voice.id"], name=op.f("fk_survey_invitation_voice_id_voice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_invitation")),
        sa.UniqueConstraint("short_code", name=op.f("uq_survey_invitation_short_code")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_survey_invitation_token_hash")),
        sa.UniqueConstraint("voice_id", name=op.f("uq_survey_invitation_voice_id")),
    )
    with op.batch_alter_table("survey_invitation", schema=None) as batch_op:
        batch_op.create_index(
            "ix_survey_invitation_citizen", ["citizen_key", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_survey_invitation_office_created", ["office_id", "created_at"], unique=False
        )

    op.create_table(
        "survey_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("mode", sa.String(length=12), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("csat", sa.Integer(), nullable=True),
        sa.Column("nps", sa.Integer(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("free_text", sa.Text(), nullable=False),
        sa.Column("sentiment", sa.Float(), nullable=True),
        sa.Column("tone_label", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_survey_response_category_id_category")
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"], ["staff.id"], name=op.f("fk_survey_response_entered_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["survey_invitation.id"],
            name=op.f("fk_survey_response_invitation_id_survey_invitation"),
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_survey_response_office_id_office")
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["staff.id"], name=op.f("fk_survey_response_officer_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["survey_template.id"],
            name=op.f("fk_survey_response_template_id_survey_template"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_survey_response_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_response")),
        sa.UniqueConstraint("invitation_id", name=op.f("uq_survey_response_invitation_id")),
    )
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.create_index(
            "ix_survey_response_office_submitted", ["office_id", "submitted_at"], unique=False
        )
        batch_op.create_index(
            "ix_survey_response_unit_submitted", ["unit_id", "submitted_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("survey_response", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_response_unit_submitted")
        batch_op.drop_index("ix_survey_response_office_submitted")

    op.drop_table("survey_response")
    with op.batch_alter_table("survey_invitation", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_invitation_office_created")
        batch_op.drop_index("ix_survey_invitation_citizen")

    op.drop_table("survey_invitation")
    with op.batch_alter_table("survey_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_question_template_id"))

    op.drop_table("survey_question")
    op.drop_table("survey_template")
