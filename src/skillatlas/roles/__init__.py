"""The alliance's job roles: required skills with levels and weights, versioned, drafted, reviewed and published."""
