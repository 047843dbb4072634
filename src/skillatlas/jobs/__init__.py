"""Background jobs: long imports and bulk issuing run by a job queue (huey), with their progress on a page."""
