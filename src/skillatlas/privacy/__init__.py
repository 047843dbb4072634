"""Personal data (GDPR): consents, a person's data export, and erasure."""
