"""The Cosmos DB store's query text and its wrapping of Cosmos DB's continuation tokens."""

import pytest

from shared.adapters.cosmos_queries import (
    equality_filters,
    field_reference,
    unwrap_token,
    where_clause,
    wrap_token,
)
from shared.ports import InvalidContinuationToken


def test_a_field_path_is_a_property_reference_of_the_document() -> None:
    assert field_reference("outbox.recordedAt") == "c.outbox.recordedAt"


def test_a_field_named_like_a_keyword_is_quoted() -> None:
    assert field_reference("order.value") == 'c["order"]["value"]'


def test_a_field_path_that_is_not_plain_is_refused() -> None:
    with pytest.raises(ValueError, match="plain field names"):
        field_reference('a"] OR 1=1 --')


def test_values_travel_as_parameters_never_in_the_text() -> None:
    conditions, parameters = equality_filters({"outbox.status": "x' OR 1=1 --", "ordered": True})
    assert where_clause(conditions) == " WHERE c.outbox.status = @p0 AND c.ordered = @p1"
    assert parameters == [
        {"name": "@p0", "value": "x' OR 1=1 --"},
        {"name": "@p1", "value": True},
    ]
    assert where_clause([]) == ""


def test_tokens_round_trip() -> None:
    assert unwrap_token(wrap_token("+RID:~a#RT:1", "q1"), "q1") == "+RID:~a#RT:1"


def test_a_wrapped_token_is_url_safe_and_hides_cosmos_db_s_token() -> None:
    cosmos_token = '{"token":"+RID:~AAAA#RT:1","range":{"min":"","max":"FF"}}'
    token = wrap_token(cosmos_token, "q1")
    assert cosmos_token not in token
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize("inner", ["", "line\nbreak", "zażółć"], ids=["empty", "control", "utf8"])
def test_a_token_that_cannot_travel_as_an_http_header_is_refused(inner: str) -> None:
    # The fingerprint is public, so anyone can wrap anything: what is inside is checked too.
    with pytest.raises(InvalidContinuationToken, match="malformed"):
        unwrap_token(wrap_token(inner, "q1"), "q1")


def test_a_token_of_another_query_is_refused() -> None:
    with pytest.raises(InvalidContinuationToken, match="not issued for this query"):
        unwrap_token(wrap_token("+RID:~a#RT:1", "q1"), "q2")
