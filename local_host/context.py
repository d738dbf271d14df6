"""The invocation context handed to an entry point that declares a ``context`` parameter."""

import threading

import azure.functions as func


class _TraceContext(func._abc.TraceContext):
    def __init__(self) -> None:
        self._attributes: dict[str, str] = {}

    @property
    def trace_state(self) -> str:
        return ""

    @property
    def trace_parent(self) -> str:
        return ""

    @property
    def attributes(self) -> dict[str, str]:
        return self._attributes


class _RetryContext(func._abc.RetryContext):
    """No retry policy runs locally, so every invocation is the first try."""

    @property
    def retry_count(self) -> int:
        return 0

    @property
    def max_retry_count(self) -> int:
        return 0

    @property
    def exception(self) -> func._abc.RpcException:
        raise AttributeError("No retry is in progress, so there is no previous exception.")


class InvocationContext(func.Context):
    def __init__(self, invocation_id: str, function_name: str, function_directory: str) -> None:
        self._invocation_id = invocation_id
        self._function_name = function_name
        self._function_directory = function_directory
        self._trace_context = _TraceContext()
        self._retry_context = _RetryContext()
        self._thread_local_storage = threading.local()

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def thread_local_storage(self) -> type[threading.local]:
        # The abstract type says type[...]; the worker hands out an instance, and so do we.
        return self._thread_local_storage  # type: ignore[return-value]

    @property
    def function_name(self) -> str:
        return self._function_name

    @property
    def function_directory(self) -> str:
        return self._function_directory

    @property
    def trace_context(self) -> func._abc.TraceContext:
        return self._trace_context

    @property
    def retry_context(self) -> func._abc.RetryContext:
        return self._retry_context
