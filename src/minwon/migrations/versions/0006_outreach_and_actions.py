"""outreach and actions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 23:55:35.829620
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import minwon.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outreach_campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("housing", sa.JSON(), nullable=False),
        sa.Column("broadcast_script", sa.Text(), nullable=False),
        sa.Column("flyer_text", sa.Text(), nullable=False),
        sa.Column("talk_points", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_outreach_campaign_office_id_office")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_campaign")),
        sa.UniqueConstraint("office_id", "code", name=op.f("uq_outreach_campaign_office_id")),
    )
    op.create_table(
        "outreach_unit_target",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("daily", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_outreach_unit_target_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_outreach_unit_target")),
    )
    op.create_table(
        "patrol_incident",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=8), nullable=False),
        sa.Column("place_key", sa.String(length=200), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_patrol_incident_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint(
            "unit_id", "quarter", "place_key", "hour", name=op.f("pk_patrol_incident")
        ),
    )
    op.create_table(
        "action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("dong", sa.String(length=100), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cost", sa.Integer(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("done_at", minwon.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_action_category_id_category")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_action_created_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_action_office_id_office")
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["staff.id"], name=op.f("fk_action_owner_id_staff")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_action_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action")),
    )
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_office_id"), ["office_id"], unique=False)

    op.create_table(
        "outreach_campaign_reach",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("dong", sa.String(length=100), nullable=False),
        sa.Column("housing", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["outreach_campaign.id"],
            name=op.f("fk_outreach_campaign_reach_campaign_id_outreach_campaign"),
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["staff.id"], name=op.f("fk_outreach_campaign_reach_officer_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_campaign_reach")),
    )
    with op.batch_alter_table("outreach_campaign_reach", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outreach_campaign_reach_campaign_id"), ["campaign_id"], unique=False
        )

    op.create_table(
        "outreach_roster_day",
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["staff.id"], name=op.f("fk_outreach_roster_day_officer_id_staff")
        ),
        sa.PrimaryKeyConstraint("officer_id", "day", name=op.f("pk_outreach_roster_day")),
    )
    op.create_table(
        "patrol_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("place_key", sa.String(length=200), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["staff.id"], name=op.f("fk_patrol_log_officer_id_staff")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_patrol_log_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_log")),
    )
    with op.batch_alter_table("patrol_log", schema=None) as batch_op:
        batch_op.create_index("ix_patrol_log_unit_at", ["unit_id", "at"], unique=False)

    op.create_table(
        "patrol_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=8), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_patrol_plan_created_by_id_staff")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_patrol_plan_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_plan")),
    )
    with op.batch_alter_table("patrol_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patrol_plan_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "action_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_action_evidence_action_id_action")
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["staff.id"], name=op.f("fk_action_evidence_added_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_evidence")),
    )
    with op.batch_alter_table("action_evidence", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_action_evidence_action_id"), ["action_id"], unique=False
        )

    op.create_table(
        "action_voice",
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("voice_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_action_voice_action_id_action")
        ),
        sa.ForeignKeyConstraint(
            ["voice_id"], ["voice.id"], name=op.f("fk_action_voice_voice_id_voice")
        ),
        sa.PrimaryKeyConstraint("action_id", "voice_id", name=op.f("pk_action_voice")),
    )
    with op.batch_alter_table("action_voice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_voice_voice_id"), ["voice_id"], unique=False)

    op.create_table(
        "outreach_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("dong", sa.String(length=100), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("housing", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=False),
        sa.Column("card_given", sa.Boolean(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("voice_id", sa.Integer(), nullable=True),
        sa.Column("created_at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["outreach_campaign.id"],
            name=op.f("fk_outreach_contact_campaign_id_outreach_campaign"),
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_outreach_contact_office_id_office")
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["staff.id"], name=op.f("fk_outreach_contact_officer_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_outreach_contact_unit_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["voice_id"], ["voice.id"], name=op.f("fk_outreach_contact_voice_id_voice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_contact")),
    )
    with op.batch_alter_table("outreach_contact", schema=None) as batch_op:
        batch_op.create_index("ix_outreach_contact_officer_at", ["officer_id", "at"], unique=False)
        batch_op.create_index("ix_outreach_contact_unit_at", ["unit_id", "at"], unique=False)

    op.create_table(
        "patrol_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("place_key", sa.String(length=200), nullable=False),
        sa.Column("dong", sa.String(length=100), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start_hour", sa.Integer(), nullable=False),
        sa.Column("end_hour", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("quarter", sa.String(length=8), nullable=False),
        sa.Column("voice_id", sa.Integer(), nullable=True),
        sa.Column("notified_at", minwon.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_patrol_request_office_id_office")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_patrol_request_unit_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["voice_id"], ["voice.id"], name=op.f("fk_patrol_request_voice_id_voice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_request")),
    )
    with op.batch_alter_table("patrol_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_patrol_request_unit_quarter", ["unit_id", "quarter"], unique=False
        )

    with op.batch_alter_table("voice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_officer_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("campaign", sa.String(length=32), nullable=False, server_default="")
        )
        batch_op.create_index(batch_op.f("ix_voice_campaign"), ["campaign"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_voice_source_officer_id_staff"), "staff", ["source_officer_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("voice", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_voice_source_officer_id_staff"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_voice_campaign"))
        batch_op.drop_column("campaign")
        batch_op.drop_column("source_officer_id")

    with op.batch_alter_table("patrol_request", schema=None) as batch_op:
        batch_op.drop_index("ix_patrol_request_unit_quarter")

    op.drop_table("patrol_request")
    with op.batch_alter_table("outreach_contact", schema=None) as batch_op:
        batch_op.drop_index("ix_outreach_contact_unit_at")
        batch_op.drop_index("ix_outreach_contact_officer_at")

    op.drop_table("outreach_contact")
    with op.batch_alter_table("action_voice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_voice_voice_id"))

    op.drop_table("action_voice")
    with op.batch_alter_table("action_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_evidence_action_id"))

    op.drop_table("action_evidence")
    with op.batch_alter_table("patrol_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patrol_plan_unit_id"))

    op.drop_table("patrol_plan")
    with op.batch_alter_table("patrol_log", schema=None) as batch_op:
        batch_op.drop_index("ix_patrol_log_unit_at")

    op.drop_table("patrol_log")
    op.drop_table("outreach_roster_day")
    with op.batch_alter_table("outreach_campaign_reach", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outreach_campaign_reach_campaign_id"))

    op.drop_table("outreach_campaign_reach")
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_office_id"))

    op.drop_table("action")
    op.drop_table("patrol_incident")
    op.drop_table("outreach_unit_target")
    op.drop_table("outreach_campaign")
