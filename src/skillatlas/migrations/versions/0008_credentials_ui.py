"""credentials in the browser: an event may award an achievement to everyone marked attended

Revision ID: 0008_credentials_ui
Revises: 0007_data_version
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_credentials_ui"
down_revision: str | None = "0007_data_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("achievement_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_event_achievement_id"), ["achievement_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_event_achievement_id_credential_achievement"),
            "credential_achievement",
            ["achievement_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_event_achievement_id_credential_achievement"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_event_achievement_id"))
        batch_op.drop_column("achievement_id")
