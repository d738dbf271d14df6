"""Authentication=appservice over real HTTP: the local /.auth imitation and shopper isolation."""

import base64
import json
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.api_client import ApiClient
from tests.e2e.conftest import HostFactory, HostProcess, HostStartFailed
from tests.e2e.signed_in import sign_in, signed_in_client
from tests.e2e.test_order_flow import wait_until_placed

OBJECT_ID = "http://schemas.microsoft.com/identity/claims/objectidentifier"


@pytest.fixture(scope="module")
def auth_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostProcess]:
    """One host in appservice mode for the module: starting one costs a second or two."""
    factory = HostFactory(tmp_path_factory.mktemp("auth-host"))
    try:
        yield factory.start(settings={"Authentication": "appservice"})
    finally:
        factory.kill_all()


@pytest.fixture
def anna(auth_host: HostProcess) -> Iterator[ApiClient]:
    with signed_in_client(auth_host, "anna-oid", "anna@example.com") as client:
        yield client


@pytest.fixture
def bob(auth_host: HostProcess) -> Iterator[ApiClient]:
    with signed_in_client(auth_host, "bob-oid", "bob@example.com") as client:
        yield client


def assert_problem(response: httpx.Response, status: int, slug: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    if slug is not None:
        assert response.json()["type"] == f"urn:pierogi-shop:problem:{slug}"


def test_the_startup_says_where_to_sign_in(auth_host: HostProcess) -> None:
    auth_host.wait_for_output(r"Authentication=appservice: .* sign in at http://127\.0\.0\.1:\d+/")
    assert "Authentication is 'none'" not in auth_host.text()


def test_sign_in_me_and_sign_out_follow_app_service(auth_host: HostProcess) -> None:
    with auth_host.client() as client:
        me = f"{auth_host.base_url}/.auth/me"
        assert client.get(me).status_code == 401
        form = client.get(f"{auth_host.base_url}/.auth/login/aad")
        assert form.status_code == 200
        assert form.headers["Content-Type"] == "text/html; charset=utf-8"
        assert 'name="object_id"' in form.text

        signed = sign_in(
            client,
            auth_host,
            "anna-oid",
            name="anna@example.com",
            roles="shop.tester",
            query="?post_login_redirect_uri=/shop%3Ftab%3Dcart",
        )
        assert signed.status_code == 302
        assert signed.headers["Location"] == "/shop?tab=cart"
        cookie = signed.headers["Set-Cookie"]
        assert cookie.startswith("AppServiceAuthSession=")
        for attribute in ("HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=28800"):
            assert attribute in cookie

        entries = client.get(me).json()
        assert len(entries) == 1
        entry = entries[0]
        assert set(entry) == {"provider_name", "user_id", "user_claims", "expires_on"}
        assert (entry["provider_name"], entry["user_id"]) == ("dev", "anna@example.com")
        claims = {(claim["typ"], claim["val"]) for claim in entry["user_claims"]}
        assert (OBJECT_ID, "anna-oid") in claims
        assert ("http://schemas.microsoft.com/ws/2008/06/identity/claims/role", "shop.tester") in (
            claims
        )

        out = client.get(f"{auth_host.base_url}/.auth/logout?post_logout_redirect_uri=/bye")
        assert (out.status_code, out.headers["Location"]) == (302, "/bye")
        assert client.get(me).status_code == 401
        assert client.get("/customers/me/carts").status_code == 401
        default = client.get(f"{auth_host.base_url}/.auth/logout")
        assert default.headers["Location"] == "/.auth/logout/complete"
        assert client.get(f"{auth_host.base_url}/.auth/logout/complete").status_code == 200


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_sign_in_and_out_redirect_only_to_this_host(auth_host: HostProcess, target: str) -> None:
    with auth_host.client() as client:
        query = f"?post_login_redirect_uri={httpx.URL('', params={'u': target}).query.decode()[2:]}"
        assert_problem(sign_in(client, auth_host, "anna-oid", query=query), 400)
        assert_problem(client.get(f"{auth_host.base_url}/.auth/login/dev{query}"), 400)
        assert client.get(f"{auth_host.base_url}/.auth/me").status_code == 401
        out = client.get(
            f"{auth_host.base_url}/.auth/logout", params={"post_logout_redirect_uri": target}
        )
        assert_problem(out, 400)


@pytest.mark.parametrize("object_id", ["", "me", "has space", "x" * 65])
def test_the_sign_in_form_refuses_an_unusable_object_id(
    auth_host: HostProcess, object_id: str
) -> None:
    with auth_host.client() as client:
        assert_problem(sign_in(client, auth_host, object_id), 400)


def test_a_forged_session_cookie_is_not_a_session(auth_host: HostProcess) -> None:
    with auth_host.client() as client:
        genuine = sign_in(client, auth_host, "anna-oid").cookies["AppServiceAuthSession"]
    body, _, _ = genuine.rpartition(".")
    forged_body = base64.urlsafe_b64encode(
        json.dumps({"principal": "e30=", "expires": 9999999999}).encode()
    ).decode()
    for cookie in (f"{body}.{'0' * 64}", f"{forged_body}.{genuine.rpartition('.')[2]}", "x"):
        with auth_host.client() as client:
            headers = {"Cookie": f"AppServiceAuthSession={cookie}"}
            assert client.get(f"{auth_host.base_url}/.auth/me", headers=headers).status_code == 401
            assert_problem(client.get("/customers/me/carts", headers=headers), 401)


def test_a_signed_in_shopper_orders_through_the_me_routes(anna: ApiClient) -> None:
    created = anna.post("/customers/me/carts")
    assert created.status_code == 201
    cart = created.json()
    assert cart["customer"] == "anna-oid"
    assert created.headers["Location"] == f"/api/customers/anna-oid/carts/{cart['id']}"
    me_cart = f"/customers/me/carts/{cart['id']}"
    added = anna.post(f"{me_cart}/items", {"productId": "ruskie", "quantity": 3})
    assert added.status_code == 200
    anna.post(f"{me_cart}/items", {"productId": "meat", "quantity": 1})
    assert anna.delete(f"{me_cart}/items/meat").status_code == 200
    assert (
        anna.get(me_cart).json()["items"]
        == anna.get(f"/customers/anna-oid/carts/{cart['id']}").json()["items"]
    )
    submitted = anna.post(f"{me_cart}/submit")
    assert submitted.status_code == 202
    assert submitted.headers["Location"] == f"/api/customers/anna-oid/orders/{cart['id']}"
    order = wait_until_placed(anna, "me", cart["id"])
    assert (order.status_code, order.json()["status"]) == (200, "placed")
    listed = anna.get("/customers/me/carts", params={"ordered": "true"}).json()["carts"]
    assert cart["id"] in [c["id"] for c in listed]
    assert anna.get("/products").status_code == 200


def anna_with_an_order_and_an_open_cart(anna: ApiClient) -> tuple[str, str]:
    ordered = anna.post("/customers/me/carts").json()["id"]
    anna.post(f"/customers/me/carts/{ordered}/items", {"productId": "ruskie", "quantity": 2})
    assert anna.post(f"/customers/me/carts/{ordered}/submit").status_code == 202
    assert wait_until_placed(anna, "me", ordered).status_code == 200
    cart = anna.post("/customers/me/carts").json()["id"]
    anna.post(f"/customers/me/carts/{cart}/items", {"productId": "meat", "quantity": 1})
    return ordered, cart


def every_route_form(handle: str, cart: str, ordered: str) -> list[tuple[str, str, object]]:
    """Every customer route of the API, naming ``handle``: (method, path, JSON body)."""
    base = f"/customers/{handle}"
    return [
        ("GET", f"{base}/carts", None),
        ("POST", f"{base}/carts", None),
        ("GET", f"{base}/carts/{cart}", None),
        ("POST", f"{base}/carts/{cart}/items", {"productId": "ruskie", "quantity": 1}),
        ("DELETE", f"{base}/carts/{cart}/items/meat", None),
        ("POST", f"{base}/carts/{cart}/submit", None),
        ("GET", f"{base}/orders/{ordered}", None),
    ]


def test_another_shopper_reaches_nothing_of_annas_by_any_route(
    anna: ApiClient, bob: ApiClient
) -> None:
    ordered, cart = anna_with_an_order_and_an_open_cart(anna)
    before = anna.get(f"/customers/me/carts/{cart}").json()
    # By Anna's object id the customer is not Bob's: 404, as for a customer that does not exist.
    for method, path, body in every_route_form("anna-oid", cart, ordered):
        assert_problem(bob.request(method, path, json=body), 404, "customer-not-found")
    # By "me" Bob is in his own partition, where Anna's cart and order do not exist.
    for method, path, body in every_route_form("me", cart, ordered):
        if (method, path) == ("POST", "/customers/me/carts"):
            continue  # creating a cart of his own is allowed
        response = bob.request(method, path, json=body)
        if method == "GET" and path == "/customers/me/carts":
            assert response.json()["carts"] == []
        else:
            assert_problem(response, 404)
    after = anna.get(f"/customers/me/carts/{cart}").json()
    assert after == before
    assert anna.get(f"/customers/me/orders/{ordered}").status_code == 200


def test_principal_headers_sent_by_the_client_are_dropped(
    auth_host: HostProcess, anna: ApiClient, bob: ApiClient
) -> None:
    cart = anna.post("/customers/me/carts").json()["id"]
    # A principal for Anna, well formed, as the platform would encode it.
    principal = base64.b64encode(
        json.dumps(
            {
                "auth_typ": "aad",
                "claims": [{"typ": OBJECT_ID, "val": "anna-oid"}],
                "name_typ": "name",
                "role_typ": "roles",
            }
        ).encode()
    ).decode()
    forged = {
        "X-MS-CLIENT-PRINCIPAL": principal,
        "X-MS-CLIENT-PRINCIPAL-ID": "anna-oid",
        "X-MS-CLIENT-PRINCIPAL-NAME": "anna@example.com",
    }
    with auth_host.client() as anonymous:
        assert_problem(anonymous.get("/customers/me/carts", headers=forged), 401)
        assert_problem(anonymous.get(f"/customers/anna-oid/carts/{cart}", headers=forged), 401)
    # Signed in as Bob, the forged headers do not make him Anna.
    assert_problem(bob.get(f"/customers/me/carts/{cart}", headers=forged), 404)
    assert_problem(bob.get(f"/customers/anna-oid/carts/{cart}", headers=forged), 404)
    lower = {name.lower(): value for name, value in forged.items()}
    assert_problem(bob.get(f"/customers/anna-oid/carts/{cart}", headers=lower), 404)


def test_without_a_principal_every_customer_route_is_a_401_problem(
    auth_host: HostProcess,
) -> None:
    zero = "00000000-0000-0000-0000-000000000000"
    with auth_host.client() as anonymous:
        for handle in ("me", "anna-oid"):
            for method, path, body in every_route_form(handle, zero, zero):
                response = anonymous.request(method, path, json=body)
                assert_problem(response, 401, "unauthenticated")
        assert anonymous.get("/products").status_code == 200
        assert anonymous.get("/health").status_code == 200


def test_with_authentication_none_nothing_is_served_under_auth_and_a_warning_is_logged(
    local_host: HostProcess, api: ApiClient
) -> None:
    local_host.wait_for_output(r"WARNING: Authentication is 'none'")
    with httpx.Client(base_url=local_host.base_url or "") as client:
        for path in ("/.auth/me", "/.auth/login/dev", "/.auth/logout"):
            assert client.get(path).status_code == 404
    assert_problem(api.get("/customers/me/carts"), 400, "me-without-authentication")


@pytest.mark.parametrize("platform_variable", ["WEBSITE_INSTANCE_ID", "WEBSITE_SITE_NAME"])
def test_in_azure_the_host_refuses_to_start_without_authentication(
    host_factory: HostFactory, platform_variable: str
) -> None:
    host = host_factory.create("web", settings={platform_variable: "pierogi-shop"})
    with pytest.raises(HostStartFailed):
        host.start()
    assert "AllowAuthenticationNoneInAzure" in host.text()
    assert host.exit_codes == [1]


def test_in_azure_the_explicit_opt_out_lets_the_host_start(host_factory: HostFactory) -> None:
    host = host_factory.start(
        "web",
        settings={"WEBSITE_SITE_NAME": "pierogi-shop", "AllowAuthenticationNoneInAzure": "true"},
    )
    host.wait_for_output(r"WARNING: Authentication is 'none'")


def test_with_authentication_staticwebapps_the_sites_principal_is_taken_as_sent(
    host_factory: HostFactory,
) -> None:
    # As `func start` behind the Static Web Apps CLI: the CLI signs in and sets the header.
    host = host_factory.start("web", settings={"Authentication": "staticwebapps"})
    host.wait_for_output(r"WARNING: Authentication=staticwebapps")
    anna = {"identityProvider": "aad", "userId": "anna-uid", "userRoles": ["authenticated"]}
    header = {"x-ms-client-principal": base64.b64encode(json.dumps(anna).encode()).decode()}
    with httpx.Client(base_url=host.base_url or "") as client:
        assert client.get("/.auth/me").status_code == 404
        created = client.post("/api/customers/me/carts", headers=header)
        assert created.status_code == 201, created.text
        assert created.json()["customer"] == "anna-uid"
        assert_problem(client.get("/api/customers/me/carts"), 401, "unauthenticated")
