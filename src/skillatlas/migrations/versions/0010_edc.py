"""edc: European Digital Credentials: organisations' seal certificates, the organisation's legal identifier,
the achievement's ISCED-F field of education

Revision ID: 0010_edc
Revises: 0007_data_version
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import skillatlas.db

revision: str = "0010_edc"
down_revision: str | None = "0007_data_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("legal_identifier", sa.String(length=100), nullable=True))
    with op.batch_alter_table("credential_achievement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("isced_f", sa.String(length=4), nullable=True))
    op.create_table(
        "credential_seal_certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("self_signed", sa.Boolean(), nullable=False),
        sa.Column("chain_pem", sa.Text(), nullable=False),
        sa.Column("private_key_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("not_before", skillatlas.db.UTCDateTime(), nullable=False),
        sa.Column("not_after", skillatlas.db.UTCDateTime(), nullable=False),
        sa.Column("created_at", skillatlas.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_credential_seal_certificate_organisation_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_seal_certificate")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_credential_seal_certificate_fingerprint")),
    )
    with op.batch_alter_table("credential_seal_certificate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credential_seal_certificate_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("credential_seal_certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credential_seal_certificate_organisation_id"))
    op.drop_table("credential_seal_certificate")
    with op.batch_alter_table("credential_achievement", schema=None) as batch_op:
        batch_op.drop_column("isced_f")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("legal_identifier")
