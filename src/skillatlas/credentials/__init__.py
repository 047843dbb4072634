"""Micro-credentials: achievements, issuer keys, issuing, verifying and revoking (Open Badges 3.0 / VC 2.0)."""
