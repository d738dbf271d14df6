"""Use cases: what the functions ask the application to do."""
