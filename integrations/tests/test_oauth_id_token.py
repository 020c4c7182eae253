"""The ID token check of the callback: signature by a published key, issuer, audience, nonce, expiry."""

import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
import responses
from cryptography.hazmat.primitives.asymmetric import rsa

from integrations.hubstaff.errors import AuthorizationFailed
from integrations.hubstaff.oauth import validate_id_token

from .conftest import ACCOUNT

pytestmark = pytest.mark.usefixtures("hubstaff_settings")

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    data = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {**data, "kid": kid, "use": "sig", "alg": "RS256"}


@pytest.fixture(autouse=True)
def hubstaff_keys(discovery_document: responses.RequestsMock) -> responses.RequestsMock:
    discovery_document.get(f"{ACCOUNT}/.well-known/jwks.json", json={"keys": [jwk(KEY, "k1")]})
    return discovery_document


def id_token(
    key: rsa.RSAPrivateKey = KEY, kid: str = "k1", algorithm: str = "RS256", **overrides: object
) -> str:
    now = int(time.time())
    claims = {
        "iss": ACCOUNT,
        "sub": "1",
        "aud": "client-123",
        "iat": now,
        "exp": now + 3600,
        "nonce": "n0nce",
        "email": "alice@acme.test",
        **overrides,
    }
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})


def check(token: str | None) -> dict[str, Any]:
    return validate_id_token(token, client_id="client-123", nonce="n0nce")


def test_a_valid_id_token_gives_its_claims() -> None:
    assert check(id_token())["email"] == "alice@acme.test"


@pytest.mark.parametrize(
    "token, reason",
    [
        (lambda: id_token(aud="another-app"), "another application"),
        (lambda: id_token(iss="https://evil.test"), "unexpected issuer"),
        (lambda: id_token(nonce="replayed"), "nonce"),
        (lambda: id_token(nonce=None), "nonce"),
        (lambda: id_token(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200), "expired"),
        (lambda: id_token(key=OTHER_KEY), "could not be verified"),
        (
            lambda: jwt.encode(
                {"iss": ACCOUNT, "aud": "client-123", "nonce": "n0nce"},
                "a-shared-secret-that-is-long-enough-1234",
                algorithm="HS256",
            ),
            "unexpected signature algorithm",
        ),
        (lambda: "not-a-jwt", "not a valid JWT"),
        (lambda: None, "no ID token"),
    ],
)
def test_an_id_token_that_fails_a_check_is_refused(token: Callable[[], str | None], reason: str) -> None:
    with pytest.raises(AuthorizationFailed) as caught:
        check(token())
    assert reason in str(caught.value)


def test_an_unknown_key_id_fetches_the_key_set_again(hubstaff_keys: responses.RequestsMock) -> None:
    """Hubstaff rotated its signing key: the cached key set is stale, one refetch finds the new key."""
    check(id_token())  # caches the key set with k1
    hubstaff_keys.replace(
        responses.GET,
        f"{ACCOUNT}/.well-known/jwks.json",
        json={"keys": [jwk(KEY, "k1"), jwk(OTHER_KEY, "k2")]},
    )
    assert check(id_token(key=OTHER_KEY, kid="k2"))["sub"] == "1"


def test_a_key_hubstaff_does_not_publish_is_refused() -> None:
    with pytest.raises(AuthorizationFailed) as caught:
        check(id_token(key=OTHER_KEY, kid="unknown"))
    assert "does not publish" in str(caught.value)
