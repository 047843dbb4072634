"""Micro-credentials: achievements, issuer keys, status lists, issued credentials.

Revision ID: 0004_credentials
Revises: 0004_intelligence
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import skillatlas.db

revision: str = "0004_credentials"
down_revision: str | None = "0004_intelligence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credential_achievement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("achievement_type", sa.String(length=40), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column(
            "awarded_for",
            sa.Enum(
                "course",
                "job_role",
                "event",
                "other",
                name="awardedfor",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("awarded_for_ref", sa.String(length=120), nullable=True),
        sa.Column("learning_outcomes", sa.JSON(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("eqf_level", sa.Integer(), nullable=False),
        sa.Column("ects", sa.Float(), nullable=True),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column(
            "assessment_type",
            sa.Enum(
                "none",
                "self_assessment",
                "attendance",
                "written_exam",
                "oral_exam",
                "practical_demonstration",
                "project",
                "portfolio",
                "online_test",
                name="assessmenttype",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "participation_form",
            sa.Enum(
                "online",
                "on_site",
                "blended",
                "work_based",
                name="participationform",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("quality_assurance", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("valid_for_days", sa.Integer(), nullable=True),
        sa.Column("created_at", skillatlas.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["issuer_id"],
            ["organisation.id"],
            name=op.f("fk_credential_achievement_issuer_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_achievement")),
        sa.UniqueConstraint("slug", name=op.f("uq_credential_achievement_slug")),
        sa.UniqueConstraint("uuid", name=op.f("uq_credential_achievement_uuid")),
    )
    op.create_index(
        op.f("ix_credential_achievement_issuer_id"), "credential_achievement", ["issuer_id"], unique=False
    )
    op.create_table(
        "credential_issuer_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "key", "web", name="identitymethod", native_enum=False, create_constraint=True, length=40
            ),
            nullable=False,
        ),
        sa.Column("did", sa.String(length=300), nullable=False),
        sa.Column("verification_method", sa.String(length=400), nullable=False),
        sa.Column("public_key_multibase", sa.String(length=80), nullable=False),
        sa.Column("private_key_sealed", sa.LargeBinary(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active", "retired", name="keystatus", native_enum=False, create_constraint=True, length=40
            ),
            nullable=False,
        ),
        sa.Column("created_at", skillatlas.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("retired_at", skillatlas.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_credential_issuer_key_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_issuer_key")),
        sa.UniqueConstraint(
            "public_key_multibase", name=op.f("uq_credential_issuer_key_public_key_multibase")
        ),
        sa.UniqueConstraint("verification_method", name=op.f("uq_credential_issuer_key_verification_method")),
    )
    op.create_index(op.f("ix_credential_issuer_key_did"), "credential_issuer_key", ["did"], unique=False)
    op.create_index(
        op.f("ix_credential_issuer_key_organisation_id"),
        "credential_issuer_key",
        ["organisation_id"],
        unique=False,
    )
    op.create_table(
        "credential_status_list",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("did", sa.String(length=300), nullable=False),
        sa.Column("path", sa.String(length=100), nullable=False),
        sa.Column("bits", sa.Integer(), nullable=False),
        sa.Column("next_sequence", sa.Integer(), nullable=False),
        sa.Column("revocation", sa.LargeBinary(), nullable=False),
        sa.Column("suspension", sa.LargeBinary(), nullable=False),
        sa.Column("revocation_credential", sa.Text(), nullable=False),
        sa.Column("suspension_credential", sa.Text(), nullable=False),
        sa.Column("updated_at", skillatlas.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_credential_status_list_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_status_list")),
        sa.UniqueConstraint("did", name=op.f("uq_credential_status_list_did")),
        sa.UniqueConstraint("path", name=op.f("uq_credential_status_list_path")),
    )
    op.create_index(
        op.f("ix_credential_status_list_organisation_id"),
        "credential_status_list",
        ["organisation_id"],
        unique=False,
    )
    op.create_table(
        "credential_issued",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("achievement_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column(
            "format",
            sa.Enum(
                "ldp", "jwt", name="credentialformat", native_enum=False, create_constraint=True, length=40
            ),
            nullable=False,
        ),
        sa.Column("status_list_id", sa.Integer(), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column("issued_at", skillatlas.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_until", skillatlas.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", skillatlas.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("suspended_at", skillatlas.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["achievement_id"],
            ["credential_achievement.id"],
            name=op.f("fk_credential_issued_achievement_id_credential_achievement"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["key_id"],
            ["credential_issuer_key.id"],
            name=op.f("fk_credential_issued_key_id_credential_issuer_key"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_credential_issued_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_credential_issued_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["status_list_id"],
            ["credential_status_list.id"],
            name=op.f("fk_credential_issued_status_list_id_credential_status_list"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_issued")),
        sa.UniqueConstraint(
            "status_list_id", "status_index", name=op.f("uq_credential_issued_status_list_id_status_index")
        ),
        sa.UniqueConstraint("uuid", name=op.f("uq_credential_issued_uuid")),
    )
    op.create_index(
        op.f("ix_credential_issued_achievement_id"), "credential_issued", ["achievement_id"], unique=False
    )
    op.create_index(
        op.f("ix_credential_issued_organisation_id"), "credential_issued", ["organisation_id"], unique=False
    )
    op.create_index(op.f("ix_credential_issued_person_id"), "credential_issued", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_credential_issued_person_id"), table_name="credential_issued")
    op.drop_index(op.f("ix_credential_issued_organisation_id"), table_name="credential_issued")
    op.drop_index(op.f("ix_credential_issued_achievement_id"), table_name="credential_issued")
    op.drop_table("credential_issued")
    op.drop_index(op.f("ix_credential_status_list_organisation_id"), table_name="credential_status_list")
    op.drop_table("credential_status_list")
    op.drop_index(op.f("ix_credential_issuer_key_organisation_id"), table_name="credential_issuer_key")
    op.drop_index(op.f("ix_credential_issuer_key_did"), table_name="credential_issuer_key")
    op.drop_table("credential_issuer_key")
    op.drop_index(op.f("ix_credential_achievement_issuer_id"), table_name="credential_achievement")
    op.drop_table("credential_achievement")
