"""What the queue and timer function folders call, as shared/api/ is for the HTTP ones."""
