"""OpenID Connect single sign-on (on when ``OIDC_RP_CLIENT_ID`` is set; see docs/operations.md).

The identity provider says who the user is; what they may do still comes from their roles
on units in this platform. Users are matched by username (claim ``preferred_username``,
configurable) and are only created automatically when ``OIDC_CREATE_USER`` is on.
"""

from __future__ import annotations

import os
from typing import Any

from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from koncernservice.core.auth import ReadWithSessionMixin
from koncernservice.core.models import User

USERNAME_CLAIM = os.environ.get("OIDC_USERNAME_CLAIM", "preferred_username")


class KsOIDCBackend(ReadWithSessionMixin, OIDCAuthenticationBackend):
    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        username = claims.get(USERNAME_CLAIM)
        if not username:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(username__iexact=username, is_active=True)

    def create_user(self, claims: dict[str, Any]) -> User:
        return self.UserModel.objects.create_user(
            username=claims[USERNAME_CLAIM],
            email=claims.get("email", ""),
            first_name=claims.get("given_name", ""),
            last_name=claims.get("family_name", ""),
        )

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        changed = False
        for field, claim in (
            ("email", "email"),
            ("first_name", "given_name"),
            ("last_name", "family_name"),
        ):
            value = claims.get(claim)
            if value and getattr(user, field) != value:
                setattr(user, field, value)
                changed = True
        if changed:
            user.save(update_fields=["email", "first_name", "last_name"])
        return user
