"""Adapters that implement the ports of ``shared.ports``: embedded SQLite and Azure backends."""
