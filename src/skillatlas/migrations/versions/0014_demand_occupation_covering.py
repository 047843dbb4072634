"""intelligence: the demand report for one occupation from its index alone (issue 14)

The report for one occupation sums the files' fine rows (`demand_skill`, `demand_ads`) of that occupation over
its months. Their index on (occupation_id, month) found the rows, and each was then read from the table: 410 ms
on PostgreSQL for the busiest occupation of a million ads (`bench/results/demand_scale_postgres.json`). The
indexes now hold every column the report reads (country, skill, ads), so the sums come from the index alone
(an index-only scan on PostgreSQL, a covering index on SQLite). They replace the narrower ones, and the
indexes on occupation_id alone (the new ones lead with it, for the foreign key). The indexes on (month,
country) go too: since the rollups (0013) the reports without an occupation read those, and no read uses them;
each index of the fine rows slowed every load.

Revision ID: 0014_demand_occupation_covering
Revises: 0013_demand_rollups
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014_demand_occupation_covering"
down_revision: str | None = "0013_demand_rollups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_demand_skill_occupation_read",
        "demand_skill",
        ["occupation_id", "month", "country", "skill_id", "ads"],
    )
    op.create_index(
        "ix_demand_ads_occupation_read", "demand_ads", ["occupation_id", "month", "country", "ads"]
    )
    for table in ("demand_skill", "demand_ads"):
        op.drop_index(f"ix_{table}_occupation_month", table_name=table)
        op.drop_index(f"ix_{table}_occupation_id", table_name=table)
        op.drop_index(f"ix_{table}_month_country", table_name=table)


def downgrade() -> None:
    for table in ("demand_skill", "demand_ads"):
        op.create_index(f"ix_{table}_month_country", table, ["month", "country"])
        op.create_index(f"ix_{table}_occupation_id", table, ["occupation_id"])
    op.create_index("ix_demand_skill_occupation_month", "demand_skill", ["occupation_id", "month"])
    op.create_index("ix_demand_ads_occupation_month", "demand_ads", ["occupation_id", "month"])
    op.drop_index("ix_demand_ads_occupation_read", table_name="demand_ads")
    op.drop_index("ix_demand_skill_occupation_read", table_name="demand_skill")
