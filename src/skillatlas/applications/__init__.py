"""Applications to join a group or task force: apply, shortlist, interview, outcome, membership and badge."""
