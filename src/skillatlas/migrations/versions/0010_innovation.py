"""innovation: the versioned ISO 56002 question set, organisations' self-assessments, answers and clause scores

Revision ID: 0010_innovation
Revises: 0007_data_version
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import skillatlas.db

revision: str = "0010_innovation"
down_revision: str | None = "0007_data_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "innovation_question_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft", "published", name="setstate", native_enum=False, create_constraint=True, length=30
            ),
            nullable=False,
        ),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("role_slug", sa.String(length=80), nullable=False),
        sa.Column("change_note", sa.String(length=500), nullable=False),
        sa.Column("created_at", skillatlas.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", skillatlas.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_innovation_question_set")),
        sa.UniqueConstraint("number", name=op.f("uq_innovation_question_set_number")),
    )
    op.create_table(
        "innovation_clause",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column(
            "clause",
            sa.Enum(
                "context",
                "leadership",
                "planning",
                "support",
                "operations",
                "evaluation",
                "improvement",
                name="clause",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["innovation_question_set.id"],
            name=op.f("fk_innovation_clause_set_id_innovation_question_set"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_innovation_clause")),
        sa.UniqueConstraint("set_id", "clause", name=op.f("uq_innovation_clause_set_id_clause")),
    )
    with op.batch_alter_table("innovation_clause", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_innovation_clause_set_id"), ["set_id"], unique=False)

    op.create_table(
        "innovation_clause_skill",
        sa.Column("clause_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "awareness",
                "practitioner",
                "expert",
                name="skilllevel",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["clause_id"],
            ["innovation_clause.id"],
            name=op.f("fk_innovation_clause_skill_clause_id_innovation_clause"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"],
            ["skill.id"],
            name=op.f("fk_innovation_clause_skill_skill_id_skill"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("clause_id", "skill_id", name=op.f("pk_innovation_clause_skill")),
    )
    op.create_table(
        "innovation_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clause_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["clause_id"],
            ["innovation_clause.id"],
            name=op.f("fk_innovation_question_clause_id_innovation_clause"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_innovation_question")),
        sa.UniqueConstraint("clause_id", "position", name=op.f("uq_innovation_question_clause_id_position")),
    )
    with op.batch_alter_table("innovation_question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_innovation_question_clause_id"), ["clause_id"], unique=False)

    op.create_table(
        "innovation_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "in_progress",
                "completed",
                name="assessmentstate",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "sector",
            sa.Enum(
                "vehicle_manufacturer",
                "supplier",
                "aftermarket_services",
                "education_training",
                "research",
                "public_regional",
                "association",
                "other",
                name="sector",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column(
            "size",
            sa.Enum(
                "micro",
                "small",
                "medium",
                "large",
                name="size",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("started_by_id", sa.Integer(), nullable=True),
        sa.Column("started_at", skillatlas.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", skillatlas.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("overall", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_innovation_assessment_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["innovation_question_set.id"],
            name=op.f("fk_innovation_assessment_set_id_innovation_question_set"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"],
            ["app_user.id"],
            name=op.f("fk_innovation_assessment_started_by_id_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_innovation_assessment")),
    )
    with op.batch_alter_table("innovation_assessment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_innovation_assessment_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_innovation_assessment_set_id"), ["set_id"], unique=False)

    op.create_table(
        "innovation_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("evidence_text", sa.Text(), nullable=False),
        sa.Column("evidence_url", sa.String(length=500), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("file_type", sa.String(length=100), nullable=True),
        sa.Column("file_data", sa.LargeBinary(), nullable=True),
        sa.Column("updated_at", skillatlas.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["innovation_assessment.id"],
            name=op.f("fk_innovation_answer_assessment_id_innovation_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["innovation_question.id"],
            name=op.f("fk_innovation_answer_question_id_innovation_question"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_innovation_answer")),
        sa.UniqueConstraint(
            "assessment_id", "question_id", name=op.f("uq_innovation_answer_assessment_id_question_id")
        ),
    )
    with op.batch_alter_table("innovation_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_innovation_answer_assessment_id"), ["assessment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_innovation_answer_question_id"), ["question_id"], unique=False)

    op.create_table(
        "innovation_clause_result",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column(
            "clause",
            sa.Enum(
                "context",
                "leadership",
                "planning",
                "support",
                "operations",
                "evaluation",
                "improvement",
                name="clause",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["innovation_assessment.id"],
            name=op.f("fk_innovation_clause_result_assessment_id_innovation_assessment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("assessment_id", "clause", name=op.f("pk_innovation_clause_result")),
    )


def downgrade() -> None:
    for table in (
        "innovation_clause_result",
        "innovation_answer",
        "innovation_assessment",
        "innovation_question",
        "innovation_clause_skill",
        "innovation_clause",
        "innovation_question_set",
    ):
        op.drop_table(table)
