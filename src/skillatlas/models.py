"""Every table of every domain, gathered so that Alembic and the tests see one metadata."""

from skillatlas import changes
from skillatlas.alliance import models as alliance_models
from skillatlas.applications import models as applications_models
from skillatlas.auth import models as auth_models
from skillatlas.credentials import models as credentials_models
from skillatlas.db import Base
from skillatlas.experts import models as experts_models
from skillatlas.innovation import models as innovation_models
from skillatlas.intelligence import demand_models
from skillatlas.intelligence import models as intelligence_models
from skillatlas.jobs import models as jobs_models
from skillatlas.kpi import models as kpi_models
from skillatlas.learning import models as learning_models
from skillatlas.mail import models as mail_models
from skillatlas.people import models as people_models
from skillatlas.privacy import models as privacy_models
from skillatlas.roles import models as roles_models
from skillatlas.taxonomy import models as taxonomy_models

metadata = Base.metadata

__all__ = [
    "alliance_models",
    "applications_models",
    "auth_models",
    "changes",
    "credentials_models",
    "demand_models",
    "experts_models",
    "innovation_models",
    "intelligence_models",
    "jobs_models",
    "kpi_models",
    "learning_models",
    "mail_models",
    "metadata",
    "people_models",
    "privacy_models",
    "roles_models",
    "taxonomy_models",
]
