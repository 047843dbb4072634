"""The innovation self-assessment of an organisation (ISO 56002), its results, benchmarks and training suggestions."""
