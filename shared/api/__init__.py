"""The HTTP API, independent of any host: each endpoint takes a request, returns an ApiResponse.

Requests are typed structurally (HttpRequestLike), so azure.functions.HttpRequest fits without
this package importing azure.functions.
"""
