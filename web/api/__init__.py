"""The JSON API under /api/v1 (issue 6)."""


def register(app) -> None:
    """Add the API's blueprint to `app`."""
