"""The taxonomy: ESCO skills, skill groups and hierarchy, ISCO groups, occupations and their skills.

Revision ID: 0003_taxonomy
Revises: 0002_auth
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import skillatlas.db

revision: str = "0003_taxonomy"
down_revision: str | None = "0002_auth"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "isco_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("uri", sa.String(length=200), nullable=False),
        sa.Column("preferred_label", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_isco_group")),
        sa.UniqueConstraint("code", name=op.f("uq_isco_group_code")),
        sa.UniqueConstraint("uri", name=op.f("uq_isco_group_uri")),
    )
    op.create_table(
        "occupation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uri", sa.String(length=200), nullable=False),
        sa.Column("preferred_label", sa.String(length=300), nullable=False),
        sa.Column("alt_labels", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("isco_code", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("source_version", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_occupation")),
        sa.UniqueConstraint("uri", name=op.f("uq_occupation_uri")),
    )
    op.create_index(op.f("ix_occupation_isco_code"), "occupation", ["isco_code"], unique=False)
    op.create_index(op.f("ix_occupation_preferred_label"), "occupation", ["preferred_label"], unique=False)
    op.create_table(
        "skill",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uri", sa.String(length=200), nullable=False),
        sa.Column("preferred_label", sa.String(length=300), nullable=False),
        sa.Column("alt_labels", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "skill_type",
            sa.Enum(
                "skill/competence",
                "knowledge",
                "",
                name="skilltype",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("reuse_level", sa.String(length=30), nullable=False),
        sa.Column("automotive", sa.Boolean(), nullable=False),
        sa.Column(
            "origin",
            sa.Enum(
                "esco", "alliance", name="skillorigin", native_enum=False, create_constraint=True, length=30
            ),
            nullable=False,
        ),
        sa.Column(
            "review_state",
            sa.Enum(
                "proposed",
                "in_review",
                "approved",
                "rejected",
                name="reviewstate",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("source_version", sa.String(length=40), nullable=False),
        sa.Column("created_at", skillatlas.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill")),
        sa.UniqueConstraint("uri", name=op.f("uq_skill_uri")),
    )
    op.create_index(op.f("ix_skill_automotive"), "skill", ["automotive"], unique=False)
    op.create_index(op.f("ix_skill_preferred_label"), "skill", ["preferred_label"], unique=False)
    op.create_table(
        "skill_broader",
        sa.Column("narrower_uri", sa.String(length=200), nullable=False),
        sa.Column("broader_uri", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("narrower_uri", "broader_uri", name=op.f("pk_skill_broader")),
    )
    op.create_index(op.f("ix_skill_broader_broader_uri"), "skill_broader", ["broader_uri"], unique=False)
    op.create_table(
        "skill_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uri", sa.String(length=200), nullable=False),
        sa.Column("preferred_label", sa.String(length=300), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill_group")),
        sa.UniqueConstraint("uri", name=op.f("uq_skill_group_uri")),
    )
    op.create_table(
        "occupation_skill",
        sa.Column("occupation_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.Column(
            "relation",
            sa.Enum(
                "essential",
                "optional",
                name="relationtype",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["occupation_id"],
            ["occupation.id"],
            name=op.f("fk_occupation_skill_occupation_id_occupation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"], ["skill.id"], name=op.f("fk_occupation_skill_skill_id_skill"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("occupation_id", "skill_id", name=op.f("pk_occupation_skill")),
    )
    op.create_index(op.f("ix_occupation_skill_skill_id"), "occupation_skill", ["skill_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_occupation_skill_skill_id"), table_name="occupation_skill")
    op.drop_table("occupation_skill")
    op.drop_table("skill_group")
    op.drop_index(op.f("ix_skill_broader_broader_uri"), table_name="skill_broader")
    op.drop_table("skill_broader")
    op.drop_index(op.f("ix_skill_preferred_label"), table_name="skill")
    op.drop_index(op.f("ix_skill_automotive"), table_name="skill")
    op.drop_table("skill")
    op.drop_index(op.f("ix_occupation_preferred_label"), table_name="occupation")
    op.drop_index(op.f("ix_occupation_isco_code"), table_name="occupation")
    op.drop_table("occupation")
    op.drop_table("isco_group")
