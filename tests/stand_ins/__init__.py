"""Stand-in servers that speak Cosmos DB's and Service Bus's wire protocols (tests only).

They let the contract suite run the app's Azure adapters, over the real SDKs and a real wire,
in every ``make test``. Each is started on 127.0.0.1 on a port the OS picks, and stopped at the
end of the test session. What they cannot show is listed in docs/functions-host.md.
"""
