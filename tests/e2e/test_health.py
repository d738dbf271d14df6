"""GET /api/health over real HTTP against the local host: anonymous, no data, no caching."""

from tests.e2e.api_client import ApiClient
from tests.e2e.conftest import HostFactory


def test_the_health_endpoint_answers_anonymously_that_store_and_queue_are_reachable(
    api: ApiClient,
) -> None:
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "healthy",
        "checks": {"store": "reachable", "queue": "reachable"},
    }
    assert response.headers["Cache-Control"] == "no-store"
    # Only GET is routed: another method does not match the route (the host answers 404).
    assert api.post("/health").status_code in (404, 405)


def test_the_health_endpoint_stays_anonymous_with_app_service_authentication(
    host_factory: HostFactory,
) -> None:
    host = host_factory.start("web", settings={"Authentication": "appservice"})
    with host.client() as client:
        assert client.get("/health").status_code == 200
        # An API route needs a signed-in shopper there: the setting took effect.
        assert client.get("/customers/me/carts").status_code == 401
