"""European Digital Credentials: the European Learning Model v3 (EDC application profile) and its JAdES seal."""
