"""The web front doors: the app factory, layout templates, static files and error pages."""
