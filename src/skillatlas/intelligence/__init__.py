"""Skills in free text (job ads, CVs, course descriptions) linked to the taxonomy; demand and trends."""
