"""mail: the outbox sends (HTML part, attempts, last error), sign-up address confirmation

Revision ID: 0008_mail
Revises: 0007_data_version
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import skillatlas.db

revision: str = "0008_mail"
down_revision: str | None = "0007_data_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("html_body", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("template", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("last_attempt_at", skillatlas.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("last_error", sa.String(length=500), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_sent_at"), ["sent_at"], unique=False)
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("email_confirmed_at", skillatlas.db.UTCDateTime(timezone=True), nullable=True)
        )
    # Accounts made before the address check existed keep working as they did: they count as confirmed.
    op.execute("UPDATE app_user SET email_confirmed_at = created_at")
    op.create_table(
        "email_confirmation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", skillatlas.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", skillatlas.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", skillatlas.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_email_confirmation_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_confirmation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_email_confirmation_token_hash")),
    )
    with op.batch_alter_table("email_confirmation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_email_confirmation_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("email_confirmation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_confirmation_user_id"))
    op.drop_table("email_confirmation")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("email_confirmed_at")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_sent_at"))
        batch_op.drop_column("last_error")
        batch_op.drop_column("last_attempt_at")
        batch_op.drop_column("attempts")
        batch_op.drop_column("template")
        batch_op.drop_column("html_body")
