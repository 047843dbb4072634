"""Mail: messages rendered from templates, kept in the outbox, sent through SMTP after the commit."""
