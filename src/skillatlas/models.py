"""Every table of every domain, gathered so that Alembic and the tests see one metadata."""

from skillatlas.alliance import models as alliance_models
from skillatlas.db import Base
from skillatlas.people import models as people_models

metadata = Base.metadata

__all__ = ["alliance_models", "metadata", "people_models"]
