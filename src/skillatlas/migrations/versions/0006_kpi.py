"""KPIs: the append-only outcome ledger and its monthly summaries.

Revision ID: 0006_kpi
Revises: 0005_person_skills
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import skillatlas.db

revision: str = "0006_kpi"
down_revision: str | None = "0005_person_skills"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kpi_monthly",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("nuts_region", sa.String(length=5), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "kind", "country", "nuts_region", "organisation_id", name=op.f("pk_kpi_monthly")
        ),
    )
    with op.batch_alter_table("kpi_monthly", schema=None) as batch_op:
        batch_op.create_index("ix_kpi_monthly_kind_month", ["kind", "month"], unique=False)
    op.create_table(
        "kpi_monthly_skill",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("skill_uri", sa.String(length=300), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("nuts_region", sa.String(length=5), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month",
            "skill_uri",
            "country",
            "nuts_region",
            "organisation_id",
            name=op.f("pk_kpi_monthly_skill"),
        ),
    )
    op.create_table(
        "kpi_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "upskilled",
                "new_job",
                "development_plan",
                "certification",
                "new_position",
                "stakeholder_joined",
                name="outcomekind",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("person_ref", sa.String(length=64), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("nuts_region", sa.String(length=5), nullable=True),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("sign", sa.SmallInteger(), nullable=False),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("recorded_at", skillatlas.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("sign IN (1, -1)", name=op.f("ck_kpi_event_sign")),
        sa.ForeignKeyConstraint(
            ["corrects_id"], ["kpi_event.id"], name=op.f("fk_kpi_event_corrects_id_kpi_event")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_kpi_event_organisation_id_organisation"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_event")),
        sa.UniqueConstraint("corrects_id", name=op.f("uq_kpi_event_corrects_id")),
        sa.UniqueConstraint("external_id", name=op.f("uq_kpi_event_external_id")),
    )
    with op.batch_alter_table("kpi_event", schema=None) as batch_op:
        batch_op.create_index("ix_kpi_event_day_kind", ["occurred_on", "kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_kpi_event_organisation_id"), ["organisation_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("kpi_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kpi_event_organisation_id"))
        batch_op.drop_index("ix_kpi_event_day_kind")
    op.drop_table("kpi_event")
    op.drop_table("kpi_monthly_skill")
    with op.batch_alter_table("kpi_monthly", schema=None) as batch_op:
        batch_op.drop_index("ix_kpi_monthly_kind_month")
    op.drop_table("kpi_monthly")
