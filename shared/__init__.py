"""The pierogi shop application: domain, services, ports and adapters.

Nothing in this package imports ``azure.functions``; the function folders adapt it to the host.
"""
