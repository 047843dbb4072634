"""The supply side of the skills-gap map: listed experts and catalogue courses per skill."""

from __future__ import annotations

from skillatlas.experts.service import listed_experts_per_skill
from skillatlas.intelligence.service import register_supply_source
from skillatlas.learning.service import courses_per_skill

register_supply_source("listed experts", listed_experts_per_skill)
register_supply_source("catalogue courses", courses_per_skill)
