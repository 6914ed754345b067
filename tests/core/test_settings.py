"""Configuration from the environment: safe defaults, production demands, OIDC off by default."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def settings_in_subprocess(env: dict[str, str], expr: str, tmp_path) -> subprocess.CompletedProcess:
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps({expr}, default=str))"
    )
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("OIDC_", "KS_", "DATABASE_"))
    }
    environment |= {
        "DJANGO_SETTINGS_MODULE": "koncernservice.settings",
        "KS_VAR_DIR": str(tmp_path),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True
    )


def test_defaults_are_safe(tmp_path) -> None:
    result = settings_in_subprocess(
        {},
        "[s.DEBUG, s.LANGUAGE_CODE, s.TIME_ZONE, s.DATABASES['default']['ENGINE'], "
        "s.DATABASES['default']['OPTIONS']['init_command'], s.OIDC_ENABLED]",
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    debug, language, zone, engine, init, oidc = __import__("json").loads(result.stdout)
    assert (debug, language, zone, oidc) == (False, "da", "Europe/Copenhagen", False)
    assert engine == "django.db.backends.sqlite3" and "journal_mode=WAL" in init
    assert (tmp_path / "secret_key").exists()  # generated and kept for the demo


def test_production_requires_secret_key_and_hosts(tmp_path) -> None:
    result = settings_in_subprocess({"KS_ENV": "production"}, "s.SECRET_KEY", tmp_path)
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr
    result = settings_in_subprocess(
        {"KS_ENV": "production", "SECRET_KEY": "x" * 50}, "s.SECRET_KEY", tmp_path
    )
    assert result.returncode != 0 and "ALLOWED_HOSTS must be set" in result.stderr
    result = settings_in_subprocess(
        {"KS_ENV": "production", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "ks.kk.dk"},
        "[s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT]",
        tmp_path,
    )
    assert result.stdout.strip() == "[true, true, true]"


def test_database_url_selects_postgresql(tmp_path) -> None:
    result = settings_in_subprocess(
        {"DATABASE_URL": "postgres://ks:pw@db.example:5432/ks"},
        "s.DATABASES['default']['ENGINE']",
        tmp_path,
    )
    assert result.stdout.strip() == '"django.db.backends.postgresql"'


def test_oidc_is_switched_on_by_environment(tmp_path) -> None:
    env = {
        "OIDC_RP_CLIENT_ID": "koncernservice",
        "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://idp.example/auth",
        "OIDC_OP_TOKEN_ENDPOINT": "https://idp.example/token",
        "OIDC_OP_USER_ENDPOINT": "https://idp.example/userinfo",
    }
    result = settings_in_subprocess(env, "s.AUTHENTICATION_BACKENDS", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "koncernservice.core.oidc.KsOIDCBackend" in result.stdout


@pytest.mark.django_db
def test_oidc_backend_matches_existing_users_only(world, settings) -> None:
    settings.OIDC_RP_CLIENT_ID = "x"
    settings.OIDC_RP_CLIENT_SECRET = "y"
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://idp.example/token"
    settings.OIDC_OP_USER_ENDPOINT = "https://idp.example/userinfo"
    settings.OIDC_RP_SIGN_ALGO = "HS256"
    from koncernservice.core.oidc import KsOIDCBackend

    backend = KsOIDCBackend()
    assert list(backend.filter_users_by_claims({"preferred_username": "LEDER"})) == [world.manager]
    assert not backend.filter_users_by_claims({"email": "x@example.dk"}).exists()
