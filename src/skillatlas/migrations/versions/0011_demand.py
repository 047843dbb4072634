"""intelligence: demand aggregates of job ads classified at scale (skill x occupation x country x month)

Revision ID: 0011_demand
Revises: 0007_data_version
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import skillatlas.db

revision: str = "0011_demand"
down_revision: str | None = "0007_data_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "demand_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=500), nullable=False),
        sa.Column("ads", sa.Integer(), nullable=False),
        sa.Column("skill_links", sa.Integer(), nullable=False),
        sa.Column("unknown_skills", sa.Integer(), nullable=False),
        sa.Column("loaded_at", skillatlas.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand_file")),
        sa.UniqueConstraint("digest", name=op.f("uq_demand_file_digest")),
    )
    op.create_table(
        "demand_ads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("occupation_id", sa.Integer(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("ads", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["demand_file.id"],
            name=op.f("fk_demand_ads_file_id_demand_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["occupation_id"],
            ["occupation.id"],
            name=op.f("fk_demand_ads_occupation_id_occupation"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand_ads")),
    )
    op.create_index(op.f("ix_demand_ads_file_id"), "demand_ads", ["file_id"], unique=False)
    op.create_index(op.f("ix_demand_ads_occupation_id"), "demand_ads", ["occupation_id"], unique=False)
    op.create_index("ix_demand_ads_month_country", "demand_ads", ["month", "country"], unique=False)
    op.create_table(
        "demand_skill",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.Column("occupation_id", sa.Integer(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("ads", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["demand_file.id"],
            name=op.f("fk_demand_skill_file_id_demand_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["occupation_id"],
            ["occupation.id"],
            name=op.f("fk_demand_skill_occupation_id_occupation"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"], ["skill.id"], name=op.f("fk_demand_skill_skill_id_skill"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demand_skill")),
    )
    op.create_index(op.f("ix_demand_skill_file_id"), "demand_skill", ["file_id"], unique=False)
    op.create_index(op.f("ix_demand_skill_occupation_id"), "demand_skill", ["occupation_id"], unique=False)
    op.create_index(op.f("ix_demand_skill_skill_id"), "demand_skill", ["skill_id"], unique=False)
    op.create_index("ix_demand_skill_month_country", "demand_skill", ["month", "country"], unique=False)


def downgrade() -> None:
    op.drop_table("demand_skill")
    op.drop_table("demand_ads")
    op.drop_table("demand_file")
