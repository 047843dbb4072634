"""Turns the English ESCO bundled with the package into the records the store writes."""

from __future__ import annotations

from skillatlas.taxonomy import bundle
from skillatlas.taxonomy.records import (
    IscoGroupRecord,
    OccupationRecord,
    SkillGroupRecord,
    SkillRecord,
    TaxonomyData,
)


def bundled_taxonomy() -> TaxonomyData:
    """The bundle as one TaxonomyData (skills, hierarchy, occupations, ISCO groups, relations)."""
    data = TaxonomyData(version="ESCO 1.2 en (bundled)")
    for skill in bundle.load_skills():
        data.skills.append(
            SkillRecord(
                uri=skill.uri,
                preferred_label=skill.preferred_label,
                alt_labels=list(skill.alt_labels),
                description=skill.description,
                skill_type=skill.skill_type,
                reuse_level=skill.reuse_level,
                automotive=skill.automotive,
            )
        )
        data.broader.extend((skill.uri, broader) for broader in skill.broader_uris)
    for group in bundle.load_skill_groups():
        data.skill_groups.append(
            SkillGroupRecord(uri=group.uri, preferred_label=group.preferred_label, code=group.code)
        )
        data.broader.extend((group.uri, broader) for broader in group.broader_uris)
    for occupation in bundle.load_occupations():
        if occupation.is_isco_group:
            data.isco_groups.append(
                IscoGroupRecord(
                    uri=occupation.uri,
                    code=occupation.code,
                    preferred_label=occupation.preferred_label,
                    description=occupation.description,
                )
            )
        else:
            data.occupations.append(
                OccupationRecord(
                    uri=occupation.uri,
                    preferred_label=occupation.preferred_label,
                    alt_labels=list(occupation.alt_labels),
                    description=occupation.description,
                    isco_code=occupation.isco_group.rsplit("/C", 1)[-1] if occupation.isco_group else "",
                    code=occupation.code,
                )
            )
    data.occupation_skills = [
        (r.occupation_uri, r.skill_uri, r.relation) for r in bundle.load_occupation_skills()
    ]
    return data
