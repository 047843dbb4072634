"""The Person table that the domains (experts, learning, credentials) extend."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from skillatlas.db import Base, UTCDateTime, utcnow


class PersonKind(enum.StrEnum):
    WORKER = "worker"
    EXPERT = "expert"
    TRAINER = "trainer"


class Person(Base):
    """A worker, expert or trainer; personal fields are minimal and erasable."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    kind: Mapped[PersonKind] = mapped_column(
        Enum(
            PersonKind,
            native_enum=False,
            create_constraint=True,
            length=20,
            values_callable=lambda members: [m.value for m in members],
        ),
        default=PersonKind.WORKER,
    )
    employer_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    nuts_region: Mapped[str | None] = mapped_column(String(5))
    # Natural key of a record that came from elsewhere (an import file, the synthetic generator).
    external_ref: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    employer: Mapped[Organisation | None] = relationship()


from skillatlas.alliance.models import Organisation  # noqa: E402
