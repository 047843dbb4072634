"""A person's skills with level (DRIVES scale), source and evidence.

Revision ID: 0005_person_skills
Revises: 0004_credentials
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import skillatlas.db

revision: str = "0005_person_skills"
down_revision: str | None = "0004_credentials"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "person_skill",
        sa.Column("person_id", sa.Integer(), nullable=False),
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
            "source",
            sa.Enum(
                "claimed",
                "assessed",
                "credentialed",
                name="skillsource",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("evidence", sa.String(length=500), nullable=False),
        sa.Column("years", sa.Integer(), nullable=True),
        sa.Column("updated_at", skillatlas.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_person_skill_person_id_person"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"], ["skill.id"], name=op.f("fk_person_skill_skill_id_skill"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("person_id", "skill_id", name=op.f("pk_person_skill")),
    )
    op.create_index(op.f("ix_person_skill_skill_id"), "person_skill", ["skill_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_person_skill_skill_id"), table_name="person_skill")
    op.drop_table("person_skill")
