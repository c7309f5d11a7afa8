"""staff protection (incidents, office settings, submission suspensions) and role-play
(scenarios, sessions, participants, scores)

Revision ID: 0018_protection
Revises: 0014
Create Date: 2026-12-05 18:36:59.256090
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import minwon.db

revision: str = "0018_protection"
down_revision: str | None = "0017_quality"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "protection_office",
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("call_minutes", sa.Integer(), nullable=False),
        sa.Column("visit_minutes", sa.Integer(), nullable=False),
        sa.Column("appeal_contact", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_protection_office_office_id_office")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["staff.id"], name=op.f("fk_protection_office_updated_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("office_id", name=op.f("pk_protection_office")),
    )
    op.create_table(
        "protection_suspension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("identity_kind", sa.String(length=8), nullable=False),
        sa.Column("identity", sa.String(length=200), nullable=False),
        sa.Column("reason_code", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("starts_at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", minwon.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff.id"],
            name=op.f("fk_protection_suspension_created_by_id_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_protection_suspension_office_id_office")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protection_suspension")),
    )
    with op.batch_alter_table("protection_suspension", schema=None) as batch_op:
        batch_op.create_index(
            "ix_protection_suspension_identity", ["identity", "ends_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_protection_suspension_office_id"), ["office_id"], unique=False
        )

    op.create_table(
        "roleplay_scenario",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("family", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("persona", sa.Text(), nullable=False),
        sa.Column("wants", sa.Text(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("rubric", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_roleplay_scenario_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["staff.id"], name=op.f("fk_roleplay_scenario_updated_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roleplay_scenario")),
        sa.UniqueConstraint(
            "organization_id", "code", name=op.f("uq_roleplay_scenario_organization_id")
        ),
    )
    with op.batch_alter_table("roleplay_scenario", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_roleplay_scenario_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "protection_incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("what_happened", sa.Text(), nullable=False),
        sa.Column("measures", sa.JSON(), nullable=False),
        sa.Column("measures_note", sa.Text(), nullable=False),
        sa.Column("reported", sa.Boolean(), nullable=False),
        sa.Column("reported_note", sa.Text(), nullable=False),
        sa.Column("support", sa.JSON(), nullable=False),
        sa.Column("support_note", sa.Text(), nullable=False),
        sa.Column("voice_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_protection_incident_created_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_protection_incident_office_id_office")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_protection_incident_unit_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["voice_id"], ["voice.id"], name=op.f("fk_protection_incident_voice_id_voice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protection_incident")),
    )
    with op.batch_alter_table("protection_incident", schema=None) as batch_op:
        batch_op.create_index(
            "ix_protection_incident_office_at", ["office_id", "occurred_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_protection_incident_unit_id"), ["unit_id"], unique=False
        )

    op.create_table(
        "protection_suspension_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("suspension_id", sa.Integer(), nullable=False),
        sa.Column("at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["staff.id"], name=op.f("fk_protection_suspension_event_actor_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["suspension_id"],
            ["protection_suspension.id"],
            name=op.f("fk_protection_suspension_event_suspension_id_protection_suspension"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protection_suspension_event")),
    )
    with op.batch_alter_table("protection_suspension_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_protection_suspension_event_suspension_id"),
            ["suspension_id"],
            unique=False,
        )

    op.create_table(
        "roleplay_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("held_at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("observer_id", sa.Integer(), nullable=True),
        sa.Column("coaching", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", minwon.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff.id"], name=op.f("fk_roleplay_session_created_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["observer_id"], ["staff.id"], name=op.f("fk_roleplay_session_observer_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["office.id"], name=op.f("fk_roleplay_session_office_id_office")
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["roleplay_scenario.id"],
            name=op.f("fk_roleplay_session_scenario_id_roleplay_scenario"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_roleplay_session_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roleplay_session")),
    )
    with op.batch_alter_table("roleplay_session", schema=None) as batch_op:
        batch_op.create_index(
            "ix_roleplay_session_office_at", ["office_id", "held_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_roleplay_session_scenario_id"), ["scenario_id"], unique=False
        )

    op.create_table(
        "protection_incident_staff",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["protection_incident.id"],
            name=op.f("fk_protection_incident_staff_incident_id_protection_incident"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_protection_incident_staff_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint(
            "incident_id", "staff_id", name=op.f("pk_protection_incident_staff")
        ),
    )
    op.create_table(
        "roleplay_participant",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["roleplay_session.id"],
            name=op.f("fk_roleplay_participant_session_id_roleplay_session"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_roleplay_participant_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("session_id", "staff_id", name=op.f("pk_roleplay_participant")),
    )
    with op.batch_alter_table("roleplay_participant", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_roleplay_participant_staff_id"), ["staff_id"], unique=False
        )

    op.create_table(
        "roleplay_score",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=32), nullable=False),
        sa.Column("by", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["roleplay_session.id"],
            name=op.f("fk_roleplay_score_session_id_roleplay_session"),
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_roleplay_score_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint(
            "session_id", "staff_id", "item", "by", name=op.f("pk_roleplay_score")
        ),
    )
    with op.batch_alter_table("roleplay_score", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roleplay_score_staff_id"), ["staff_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("roleplay_score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roleplay_score_staff_id"))

    op.drop_table("roleplay_score")
    with op.batch_alter_table("roleplay_participant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roleplay_participant_staff_id"))

    op.drop_table("roleplay_participant")
    op.drop_table("protection_incident_staff")
    with op.batch_alter_table("roleplay_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roleplay_session_scenario_id"))
        batch_op.drop_index("ix_roleplay_session_office_at")

    op.drop_table("roleplay_session")
    with op.batch_alter_table("protection_suspension_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protection_suspension_event_suspension_id"))

    op.drop_table("protection_suspension_event")
    with op.batch_alter_table("protection_incident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protection_incident_unit_id"))
        batch_op.drop_index("ix_protection_incident_office_at")

    op.drop_table("protection_incident")
    with op.batch_alter_table("roleplay_scenario", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roleplay_scenario_organization_id"))

    op.drop_table("roleplay_scenario")
    with op.batch_alter_table("protection_suspension", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_protection_suspension_office_id"))
        batch_op.drop_index("ix_protection_suspension_identity")

    op.drop_table("protection_suspension")
    op.drop_table("protection_office")
