"""people: an organisation's staff in name order straight from an index (issue 14)

At the design point (14 million persons, some 700,000 per large employer) the staff list of an organisation
(`ORDER BY full_name, id LIMIT 500`) sorted every employee of the organisation at each visit: 3 s and more.
The index on (employer_id, full_name, id) gives the page in order; it also serves everything the index on
employer_id alone served (the foreign key's ON DELETE SET NULL), which it replaces.

Revision ID: 0012_person_staff_index
Revises: 0011_demand
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_person_staff_index"
down_revision: str | None = "0011_demand"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_person_employer_id_full_name"), ["employer_id", "full_name", "id"], unique=False
        )
        batch_op.drop_index(batch_op.f("ix_person_employer_id"))


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_employer_id"), ["employer_id"], unique=False)
        batch_op.drop_index(batch_op.f("ix_person_employer_id_full_name"))
