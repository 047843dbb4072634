"""The Jinja2 environment shared by every page."""

from __future__ import annotations

from importlib import resources

from fastapi.templating import Jinja2Templates

from skillatlas import __version__
from skillatlas.geo import country_name

templates = Jinja2Templates(directory=str(resources.files("skillatlas.web") / "templates"))
templates.env.globals["version"] = __version__
templates.env.filters["country"] = country_name
templates.env.filters["label"] = lambda value: str(getattr(value, "value", value)).replace("_", " ")
