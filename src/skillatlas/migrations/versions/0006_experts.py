"""Experts: profiles (with consent), expertise requests, and proposals with their workflow.

Revision ID: 0006_experts
Revises: 0005_person_skills
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import skillatlas.db

revision: str = "0006_experts"
down_revision: str | None = "0005_person_skills"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "expert_profile",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=True),
        sa.Column("headline", sa.String(length=200), nullable=False),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column(
            "work_mode",
            sa.Enum(
                "remote",
                "on_site",
                "either",
                name="workmode",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("availability", sa.JSON(), nullable=False),
        sa.Column("day_rate_eur", sa.Integer(), nullable=True),
        sa.Column("sectors", sa.JSON(), nullable=False),
        sa.Column("consent_at", skillatlas.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("consent_withdrawn_at", skillatlas.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("updated_at", skillatlas.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_expert_profile_person_id_person"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_expert_profile")),
        sa.UniqueConstraint("external_id", name=op.f("uq_expert_profile_external_id")),
    )
    op.create_index(op.f("ix_expert_profile_listed"), "expert_profile", ["listed"], unique=False)
    op.create_table(
        "expertise_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("region", sa.String(length=5), nullable=True),
        sa.Column(
            "work_mode",
            sa.Enum(
                "remote",
                "on_site",
                "either",
                name="workmode",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("budget_eur", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open", "closed", name="requeststatus", native_enum=False, create_constraint=True, length=20
            ),
            nullable=False,
        ),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", skillatlas.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_user_id"],
            ["app_user.id"],
            name=op.f("fk_expertise_request_created_by_user_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_expertise_request_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expertise_request")),
    )
    op.create_index(op.f("ix_expertise_request_country"), "expertise_request", ["country"], unique=False)
    op.create_index(
        op.f("ix_expertise_request_created_at"), "expertise_request", ["created_at"], unique=False
    )
    op.create_index(
        op.f("ix_expertise_request_organisation_id"), "expertise_request", ["organisation_id"], unique=False
    )
    op.create_table(
        "expert_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "accepted",
                "declined",
                "deployed",
                "completed",
                "cancelled",
                name="proposalstatus",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", skillatlas.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", skillatlas.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_expert_proposal_person_id_person"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["expertise_request.id"],
            name=op.f("fk_expert_proposal_request_id_expertise_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_proposal")),
        sa.UniqueConstraint("request_id", "person_id", name=op.f("uq_expert_proposal_request_id_person_id")),
    )
    op.create_index(op.f("ix_expert_proposal_person_id"), "expert_proposal", ["person_id"], unique=False)
    op.create_index(op.f("ix_expert_proposal_request_id"), "expert_proposal", ["request_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_expert_proposal_request_id"), table_name="expert_proposal")
    op.drop_index(op.f("ix_expert_proposal_person_id"), table_name="expert_proposal")
    op.drop_table("expert_proposal")
    op.drop_index(op.f("ix_expertise_request_organisation_id"), table_name="expertise_request")
    op.drop_index(op.f("ix_expertise_request_created_at"), table_name="expertise_request")
    op.drop_index(op.f("ix_expertise_request_country"), table_name="expertise_request")
    op.drop_table("expertise_request")
    op.drop_index(op.f("ix_expert_profile_listed"), table_name="expert_profile")
    op.drop_table("expert_profile")
