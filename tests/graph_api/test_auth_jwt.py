"""JWT bearer tokens (``SANCTIONGRAPH_JWT_SECRET``): who they name, how long they may live, whom they are for."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt
import pytest

from graph_api.auth import KeyStore, Principal, Role, create_key
from sanctiongraph.errors import ApiError
from sanctiongraph.settings import Settings

SECRET = "a-test-secret-of-at-least-32-bytes!"


def token(**claims: Any) -> str:
    return jwt.encode({"sub": "alice", "exp": int(time.time()) + 600, **claims}, SECRET, algorithm="HS256")


def bearer(text: str) -> str:
    return f"Bearer {text}"


def test_a_token_names_its_subject_behind_a_prefix_never_an_api_keys_name(tmp_path: Path) -> None:
    create_key(tmp_path, "dev", Role.ADMIN)
    keys = KeyStore.load(tmp_path, SECRET)
    assert keys.authenticate(bearer(token(role="analyst"))) == Principal("jwt:alice", Role.ANALYST)
    assert keys.authenticate(bearer(token(sub="dev"))) == Principal("jwt:dev", Role.SCREENING)


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"exp": int(time.time()) - 60}, "expired"),
        ({"exp": int(time.time()) + 30 * 24 * 3600}, "lives over 24 h"),
        ({"role": "superuser"}, "unknown role"),
    ],
)
def test_a_token_that_expired_lives_too_long_or_claims_no_role_is_refused(
    tmp_path: Path, claims: dict[str, Any], why: str
) -> None:
    with pytest.raises(ApiError) as refused:
        KeyStore.load(tmp_path, SECRET).authenticate(bearer(token(**claims)))
    assert refused.value.code == "UNAUTHENTICATED", why


def test_audience_and_issuer_are_checked_when_the_server_is_told_them(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "SANCTIONGRAPH_JWT_SECRET": SECRET,
            "SANCTIONGRAPH_JWT_AUDIENCE": "sanctiongraph",
            "SANCTIONGRAPH_JWT_ISSUER": "https://idp.example",
        }
    )
    keys = KeyStore.load(
        tmp_path, settings.jwt_secret, jwt_audience=settings.jwt_audience, jwt_issuer=settings.jwt_issuer
    )
    good = token(aud="sanctiongraph", iss="https://idp.example", role="investigator")
    assert keys.authenticate(bearer(good)) == Principal("jwt:alice", Role.INVESTIGATOR)
    for bad in (
        token(iss="https://idp.example"),  # no audience
        token(aud="another-service", iss="https://idp.example"),
        token(aud="sanctiongraph"),  # no issuer
        token(aud="sanctiongraph", iss="https://evil.example"),
    ):
        with pytest.raises(ApiError):
            keys.authenticate(bearer(bad))
