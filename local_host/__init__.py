"""A small local stand-in for the Azure Functions host (``python -m local_host``).

It runs the folder-per-function ("v1" model) app in this repository on machines without the
``func`` CLI, Azure or Docker: HTTP triggers on an aiohttp server, Service Bus triggers on the
embedded SQLite queue, timer triggers on NCRONTAB schedules. It imitates the Functions host
only; what Azure puts in front of the host is imitated in ``local_platform``.
"""
