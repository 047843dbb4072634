"""Experts: profiles, expertise requests, matching, proposals, deployments, feedback and track record."""
