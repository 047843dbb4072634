"""Change counters for in-memory indexes (skillatlas.changes).

Revision ID: 0007_data_version
Revises: 0006_experts
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_data_version"
down_revision: str | None = "0006_experts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "data_version",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_data_version")),
    )


def downgrade() -> None:
    op.drop_table("data_version")
