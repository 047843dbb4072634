"""SkillAtlas: the skills-intelligence platform of a Pact-for-Skills alliance."""

__version__ = "0.1.0"
