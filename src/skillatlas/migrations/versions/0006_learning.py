"""Job roles (versioned, with required skills) and learning: courses, prerequisites, development plans.

Revision ID: 0006_learning
Revises: 0005_person_skills
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import skillatlas.db

revision: str = "0006_learning"
down_revision: str | None = "0005_person_skills"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "course",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("provider_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("learning_outcomes", sa.JSON(), nullable=False),
        sa.Column("eqf_level", sa.Integer(), nullable=True),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("ects", sa.Float(), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column(
            "mode",
            sa.Enum(
                "online",
                "on_site",
                "blended",
                name="coursemode",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("price_eur", sa.Float(), nullable=False),
        sa.Column(
            "award",
            sa.Enum(
                "none",
                "certificate",
                "micro_credential",
                name="award",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("created_at", skillatlas.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", skillatlas.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("hours >= 0", name=op.f("ck_course_hours_not_negative")),
        sa.CheckConstraint("price_eur >= 0", name=op.f("ck_course_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["organisation.id"],
            name=op.f("fk_course_provider_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course")),
    )
    op.create_index(op.f("ix_course_country"), "course", ["country"], unique=False)
    op.create_index(op.f("ix_course_language"), "course", ["language"], unique=False)
    op.create_index(op.f("ix_course_provider_id"), "course", ["provider_id"], unique=False)
    op.create_index(op.f("ix_course_updated_at"), "course", ["updated_at"], unique=False)
    op.create_table(
        "job_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("created_at", skillatlas.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["alliance_group.id"],
            name=op.f("fk_job_role_group_id_alliance_group"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_role")),
        sa.UniqueConstraint("slug", name=op.f("uq_job_role_slug")),
    )
    op.create_table(
        "course_prerequisite",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("requires_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_course_prerequisite_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requires_id"],
            ["course.id"],
            name=op.f("fk_course_prerequisite_requires_id_course"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("course_id", "requires_id", name=op.f("pk_course_prerequisite")),
    )
    op.create_index(
        op.f("ix_course_prerequisite_requires_id"), "course_prerequisite", ["requires_id"], unique=False
    )
    op.create_table(
        "course_skill",
        sa.Column("course_id", sa.Integer(), nullable=False),
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
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_course_skill_course_id_course"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"], ["skill.id"], name=op.f("fk_course_skill_skill_id_skill"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("course_id", "skill_id", name=op.f("pk_course_skill")),
    )
    op.create_index(
        "ix_course_skill_lookup",
        "course_skill",
        ["skill_id", "confirmed", "level", "course_id"],
        unique=False,
    )
    op.create_table(
        "job_role_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "in_review",
                "published",
                name="versionstate",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("change_note", sa.String(length=500), nullable=False),
        sa.Column("created_at", skillatlas.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", skillatlas.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("published_at", skillatlas.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["role_id"],
            ["job_role.id"],
            name=op.f("fk_job_role_version_role_id_job_role"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_role_version")),
        sa.UniqueConstraint("role_id", "number", name=op.f("uq_job_role_version_role_id_number")),
    )
    op.create_index(op.f("ix_job_role_version_role_id"), "job_role_version", ["role_id"], unique=False)
    op.create_table(
        "development_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("trainer_person_id", sa.Integer(), nullable=True),
        sa.Column("role_version_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "proposed",
                "agreed",
                "in_progress",
                "completed",
                "abandoned",
                name="planstate",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("goals", sa.Text(), nullable=False),
        sa.Column("milestones", sa.JSON(), nullable=False),
        sa.Column("worker_agreed_at", skillatlas.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("worker_agreed_by", sa.Integer(), nullable=True),
        sa.Column("employer_agreed_at", skillatlas.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("employer_agreed_by", sa.Integer(), nullable=True),
        sa.Column("created_at", skillatlas.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", skillatlas.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_agreed_by"],
            ["app_user.id"],
            name=op.f("fk_development_plan_employer_agreed_by_app_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["organisation.id"],
            name=op.f("fk_development_plan_employer_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_development_plan_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role_version_id"],
            ["job_role_version.id"],
            name=op.f("fk_development_plan_role_version_id_job_role_version"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["trainer_person_id"],
            ["person.id"],
            name=op.f("fk_development_plan_trainer_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["worker_agreed_by"],
            ["app_user.id"],
            name=op.f("fk_development_plan_worker_agreed_by_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_development_plan")),
    )
    op.create_index(
        op.f("ix_development_plan_employer_id"), "development_plan", ["employer_id"], unique=False
    )
    op.create_index(op.f("ix_development_plan_person_id"), "development_plan", ["person_id"], unique=False)
    op.create_table(
        "job_role_occupation",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("occupation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["occupation_id"],
            ["occupation.id"],
            name=op.f("fk_job_role_occupation_occupation_id_occupation"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["job_role_version.id"],
            name=op.f("fk_job_role_occupation_version_id_job_role_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "occupation_id", name=op.f("pk_job_role_occupation")),
    )
    op.create_table(
        "job_role_skill",
        sa.Column("version_id", sa.Integer(), nullable=False),
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
        sa.Column(
            "weight",
            sa.Enum(
                "essential",
                "optional",
                name="skillweight",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"], ["skill.id"], name=op.f("fk_job_role_skill_skill_id_skill"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["job_role_version.id"],
            name=op.f("fk_job_role_skill_version_id_job_role_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("version_id", "skill_id", name=op.f("pk_job_role_skill")),
    )
    op.create_table(
        "plan_course",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum("passed", "failed", name="outcome", native_enum=False, create_constraint=True, length=20),
            nullable=True,
        ),
        sa.Column("certificate", sa.String(length=300), nullable=False),
        sa.Column("completed_at", skillatlas.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id"], ["course.id"], name=op.f("fk_plan_course_course_id_course"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["development_plan.id"],
            name=op.f("fk_plan_course_plan_id_development_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("plan_id", "course_id", name=op.f("pk_plan_course")),
    )


def downgrade() -> None:
    op.drop_table("plan_course")
    op.drop_table("job_role_skill")
    op.drop_table("job_role_occupation")
    op.drop_index(op.f("ix_development_plan_person_id"), table_name="development_plan")
    op.drop_index(op.f("ix_development_plan_employer_id"), table_name="development_plan")
    op.drop_table("development_plan")
    op.drop_index(op.f("ix_job_role_version_role_id"), table_name="job_role_version")
    op.drop_table("job_role_version")
    op.drop_index("ix_course_skill_lookup", table_name="course_skill")
    op.drop_table("course_skill")
    op.drop_index(op.f("ix_course_prerequisite_requires_id"), table_name="course_prerequisite")
    op.drop_table("course_prerequisite")
    op.drop_table("job_role")
    op.drop_index(op.f("ix_course_updated_at"), table_name="course")
    op.drop_index(op.f("ix_course_provider_id"), table_name="course")
    op.drop_index(op.f("ix_course_language"), table_name="course")
    op.drop_index(op.f("ix_course_country"), table_name="course")
    op.drop_table("course")
