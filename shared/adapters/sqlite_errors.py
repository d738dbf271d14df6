"""Which SQLite errors of the embedded store mean "cannot serve now", as BackendUnavailable.

The database file is shared by the web and worker processes; a writer waits up to the busy
timeout (``sqlite_database.BUSY_TIMEOUT_MILLISECONDS``) for another's write, and past it SQLite
says the database is locked or busy. A file that cannot be opened or read (a full disk, an I/O
error) is an outage too. Other errors (a missing table, a constraint) are bugs and stay as
they are.
"""

import sqlite3

from shared.ports import BackendUnavailable

# sqlite3 raises OperationalError for all of these; its message names the condition.
_OUTAGE_MESSAGES = (
    "database is locked",
    "database is busy",
    "database table is locked",
    "disk i/o error",
    "unable to open database file",
    "database or disk is full",
)


def sqlite_outage(error: Exception) -> BackendUnavailable | None:
    if isinstance(error, sqlite3.OperationalError):
        message = str(error).lower()
        if any(text in message for text in _OUTAGE_MESSAGES):
            return BackendUnavailable(f"The embedded database cannot serve now: {error}.")
    return None
