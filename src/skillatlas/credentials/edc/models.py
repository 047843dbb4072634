"""The seal certificates of organisations: what their European Digital Credentials are sealed with."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillatlas.db import Base, UTCDateTime, utcnow


class SealCertificate(Base):
    """An organisation's seal: its X.509 chain (PEM, signing certificate first) and its private key (PKCS#8),
    sealed with the key-encryption key like the issuers' Ed25519 keys. The newest row of an organisation
    seals; older ones are kept so that what they sealed can be traced."""

    __tablename__ = "credential_seal_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    subject: Mapped[str] = mapped_column(String(500))
    issuer: Mapped[str] = mapped_column(String(500))
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the DER, hex
    self_signed: Mapped[bool] = mapped_column(Boolean, default=False)
    chain_pem: Mapped[str] = mapped_column(Text)
    private_key_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    not_before: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    not_after: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()


from skillatlas.alliance.models import Organisation  # noqa: E402
