"""Traces and metrics of the order flow (OpenTelemetry), composed around the application.

Nothing here runs unless telemetry is on: ``start_telemetry`` returns None when it is off, the
composition root then builds the plain services, and the function-edge wrappers call straight
through. OpenTelemetry itself is imported only when telemetry is on.
"""
