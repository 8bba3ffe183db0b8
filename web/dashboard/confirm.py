"""A confirmation step for an action that cannot be taken back: the page states what will
follow, and the action is carried out only when it is sent again with `confirmed=1`.

The pattern, for any form (reject, revoke, disabling a user):

    if not confirm.confirmed(form):
        # decide it without saving it (forms.rehearse) to find its errors and consequence
        return confirm.ask(title=..., consequences=[...], action=url, form=form,
                           button=..., back=url)
    # ... carry it out

The page repeats every field of the form (hidden), its CSRF token and `confirmed=1`, so
the second POST is the same request the first would have been; going back writes nothing.
"""

from __future__ import annotations

from flask import render_template
from werkzeug.datastructures import MultiDict

FIELD = "confirmed"


def confirmed(form: MultiDict) -> bool:
    """Whether the form was sent from the confirmation page."""
    return form.get(FIELD) == "1"


def ask(*, title: str, consequences: list[str], action: str, form: MultiDict, button: str,
        back: str, summary: list[tuple[str, str]] = (), note: str | None = None,
        status: int = 200):
    """The confirmation page: `consequences` (sentences, in the page's language) of the
    action at `action`, the `summary` of what was typed (label, value), a button that
    sends the form again confirmed, and a way back to `back`. `note`: what to say of
    undoing it, when the action can be undone (by default: that it cannot)."""
    fields = [(name, value) for name, value in form.items(multi=True)
              if name not in (FIELD, "csrf_token")]
    return render_template("confirm.html", title=title, consequences=consequences,
                           action=action, fields=fields, button=button, back=back,
                           summary=summary, note=note), status
