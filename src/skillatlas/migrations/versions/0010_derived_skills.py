"""people: a skill may be derived (found in a free-text bio, not yet confirmed by the person)

Revision ID: 0010_derived_skills
Revises: 0007_data_version
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010_derived_skills"
down_revision: str | None = "0007_data_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "source IN ('claimed', 'assessed', 'credentialed')"
NEW = "source IN ('claimed', 'assessed', 'credentialed', 'derived')"


def _check(sql: str) -> None:
    # batch mode: SQLite copies the table with the new CHECK; PostgreSQL alters it in place
    with op.batch_alter_table("person_skill", schema=None, recreate="auto") as batch_op:
        batch_op.drop_constraint(op.f("ck_person_skill_skillsource"), type_="check")
        batch_op.create_check_constraint("skillsource", sql)


def upgrade() -> None:
    _check(NEW)


def downgrade() -> None:
    op.execute("DELETE FROM person_skill WHERE source = 'derived'")
    _check(OLD)
