"""The alliance: member organisations, topic committees, groups, working plans, events."""
