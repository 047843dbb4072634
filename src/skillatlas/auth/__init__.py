"""Accounts and permissions: users, roles, sessions, API tokens, the one permission check, the audit log."""
