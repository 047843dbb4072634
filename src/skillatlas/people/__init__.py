"""People: workers, experts and trainers, the personal data the platform holds about them."""
