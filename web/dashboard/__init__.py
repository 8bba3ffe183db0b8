"""The dashboard: pages for bureau staff and auditors (issue 5)."""


def register(app) -> None:
    """Add the dashboard's blueprints to `app`."""
