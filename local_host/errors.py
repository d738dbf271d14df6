"""The one error type that stops the host from starting."""


class StartupError(Exception):
    """The function app cannot be hosted as configured; the message says what to fix."""
