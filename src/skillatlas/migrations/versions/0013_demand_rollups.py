"""intelligence: demand rollups per skill x country x month and per country x month (issue 14)

A file's aggregates are counted per skill x occupation x country x month, and each file keeps its own rows:
for a million classified ads that is about 3.5 million rows, and the twelve-month demand report summed them at
every visit (2.2 s on SQLite for 200,000 ads). Loads now also add to two rollups merged over all files (an
upsert per key), with a row for all countries beside each country's, so the report without an occupation
reads at most a row per skill and month. Existing aggregates are rolled up here. An index on the fine rows'
(occupation_id, month) serves the report for one occupation.

Revision ID: 0013_demand_rollups
Revises: 0012_person_staff_index
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_demand_rollups"
down_revision: str | None = "0012_person_staff_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "demand_skill_month",
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("ads", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["skill_id"], ["skill.id"], name=op.f("fk_demand_skill_month_skill_id_skill"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("skill_id", "country", "month", name=op.f("pk_demand_skill_month")),
    )
    op.create_index("ix_demand_skill_month_country_month", "demand_skill_month", ["country", "month"])
    op.create_table(
        "demand_month",
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("ads", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("country", "month", name=op.f("pk_demand_month")),
    )
    op.create_index("ix_demand_skill_occupation_month", "demand_skill", ["occupation_id", "month"])
    op.create_index("ix_demand_ads_occupation_month", "demand_ads", ["occupation_id", "month"])
    for country, grouped in (
        ("country", ", country"),
        ("''", ""),
    ):  # each country's rows, then all countries'
        op.execute(
            "INSERT INTO demand_skill_month (skill_id, country, month, ads) "
            f"SELECT skill_id, {country}, month, SUM(ads) FROM demand_skill GROUP BY skill_id{grouped}, month"
        )
        op.execute(
            "INSERT INTO demand_month (country, month, ads) "
            f"SELECT {country}, month, SUM(ads) FROM demand_ads GROUP BY month{grouped}"
        )


def downgrade() -> None:
    op.drop_index("ix_demand_ads_occupation_month", table_name="demand_ads")
    op.drop_index("ix_demand_skill_occupation_month", table_name="demand_skill")
    op.drop_table("demand_month")
    op.drop_table("demand_skill_month")
