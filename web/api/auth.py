"""Who is calling: `Authorization: Bearer <token>`, with the roles of the web log-in.

Tokens come from `grants users token NAME` (web/users.py keeps only their hash).
Every role may read; only staff may write. A missing or unknown token answers
401, a role that may not write 403, before anything is read or written.
`Blueprint.access` (web/api/blueprint.py) calls `authorize` first in every view.

The app brings the node's views up to the log before every request (web/app), so a
token issued, or a user disabled, on any node counts at once, and every read sees what
any node wrote. Unknown tokens are not throttled as failed log-ins are (web/throttle.py):
a token is 256 random bits, which no rate of guessing can find, and a wait per address
would let anyone behind the same address shut out the valid tokens sent from it.
"""

from __future__ import annotations

from flask import g, request

from web.api.context import users
from web.api.errors import ApiError
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
    """The user the request acts for (kept for `caller`), or ApiError 401/403; None for a
    public operation."""
    if access == PUBLIC:
        return None
    token = bearer_token()
    user = users().by_token(token) if token else None
    if user is None:
        challenge = CHALLENGE + (', error="invalid_token"' if token else "")
        raise ApiError("unauthorized", "a valid API token is needed: send "
                       "'Authorization: Bearer <token>' (grants users token NAME)",
                       headers={"WWW-Authenticate": challenge})
    if access == WRITE and not user.can_write:
        raise ApiError("forbidden", f"{user.username} is {user.role}: only staff may record "
                       "commands; nothing was written")
    g.grants_api_user = user
    return user


def caller() -> User:
    """The user the current request was authorized for."""
    return g.grants_api_user

