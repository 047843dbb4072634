"""consent purpose name_on_credentials: a learner shows their name in new credentials only when they choose to

Revision ID: 0009_privacy
Revises: 0007_data_version, 0006_privacy (it alters privacy's table, so it joins that branch)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_privacy"
down_revision: str | tuple[str, ...] | None = ("0007_data_version", "0006_privacy")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = ("listed_as_expert", "share_kpis", "share_skills_with_employer", "contact_by_email")
NEW = (*OLD, "name_on_credentials")


def _purpose(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name="consentpurpose", native_enum=False, create_constraint=True, length=40)


def _change(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    # The purposes are a CHECK constraint (ck_consent_record_consentpurpose): batch mode recreates the
    # table on SQLite and alters the constraint on PostgreSQL.
    with op.batch_alter_table("consent_record", schema=None) as batch_op:
        batch_op.alter_column(
            "purpose", existing_type=_purpose(old), type_=_purpose(new), existing_nullable=False
        )


def upgrade() -> None:
    _change(OLD, NEW)


def downgrade() -> None:
    op.execute("DELETE FROM consent_record WHERE purpose = 'name_on_credentials'")
    _change(NEW, OLD)
