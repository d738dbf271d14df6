"""Local stand-ins for the Azure services in front of the Functions host.

In Azure a request meets these before the function app: App Service authentication answers
``/.auth`` and hands the host the signed-in principal's headers; the storefront is a Static Web
Apps site of its own. ``local_host`` imitates the Functions host only; this package imitates
the platform in front of it, as one layer before the host's HTTP server (``front.py``). It
answers and logs with the host's own problem responses and log, so both read alike.
"""
