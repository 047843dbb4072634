"""Market intelligence: job ads and the skills found in them.

Revision ID: 0004_intelligence
Revises: 0003_taxonomy
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import skillatlas.db

revision: str = "0004_intelligence"
down_revision: str | None = "0003_taxonomy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_ad",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=True),
        sa.Column("posted_on", sa.Date(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("occupation_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("imported_at", skillatlas.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["occupation_id"],
            ["occupation.id"],
            name=op.f("fk_job_ad_occupation_id_occupation"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_ad")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_job_ad_fingerprint")),
    )
    op.create_index(op.f("ix_job_ad_occupation_id"), "job_ad", ["occupation_id"], unique=False)
    op.create_index("ix_job_ad_posted_country", "job_ad", ["posted_on", "country"], unique=False)
    op.create_table(
        "job_ad_skill",
        sa.Column("job_ad_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_ad_id"], ["job_ad.id"], name=op.f("fk_job_ad_skill_job_ad_id_job_ad"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"], ["skill.id"], name=op.f("fk_job_ad_skill_skill_id_skill"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_ad_id", "skill_id", name=op.f("pk_job_ad_skill")),
    )
    op.create_index(op.f("ix_job_ad_skill_skill_id"), "job_ad_skill", ["skill_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_job_ad_skill_skill_id"), table_name="job_ad_skill")
    op.drop_table("job_ad_skill")
    op.drop_index("ix_job_ad_posted_country", table_name="job_ad")
    op.drop_index(op.f("ix_job_ad_occupation_id"), table_name="job_ad")
    op.drop_table("job_ad")
