"""Who is calling: `Authorization: Bearer <token>`, with the roles of the web log-in.

Tokens come from `grants users token NAME` (web/users.py keeps only their hash).
Every role may read; only staff may write. A missing or unknown token answers
401, a role that may not write 403, before anything is read or written.
"""

from __future__ import annotations

from flask import current_app, request

from web.api.errors import ApiError
from web.app import users
from web.users import User

#: What an operation needs: nothing, any active user, or one who may write.
PUBLIC, READ, WRITE = "public", "read", "write"
CHALLENGE = 'Bearer realm="grant-ledger"'


def bearer_token() -> str | None:
    """The token of the Authorization header, or None when there is none."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authorize(access: str) -> User | None:
    """The user the request acts for, or ApiError 401/403; None for a public operation."""
    if access == PUBLIC:
        return None
    token = bearer_token()
    user = users(current_app).by_token(token) if token else None
    if user is None:
        challenge = CHALLENGE + (', error="invalid_token"' if token else "")
        raise ApiError("unauthorized", "a valid API token is needed: send "
                       "'Authorization: Bearer <token>' (grants users token NAME)",
                       headers={"WWW-Authenticate": challenge})
    if access == WRITE and not user.can_write:
        raise ApiError("forbidden", f"{user.username} is {user.role}: only staff may record "
                       "commands; nothing was written")
    return user
