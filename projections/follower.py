"""Keeps the read models up to date with the event log.

Reads the notification log from the views' tracking position and, for each page
of events, writes the changed enterprises' rows and the new position in one
transaction (BEGIN IMMEDIATE, so followers in several processes take turns):
each event is applied exactly once, and a crash resumes where it stopped. The
same code rebuilds the views from the first event, with bigger pages and the
folded states kept in memory between pages.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from lifecycle.ledger import Ledger
from projections import state as fold
from projections.views import VIEWS_FILE, Views

PAGE = 500
REBUILD_PAGE = 5000


CACHED_STATES = 50_000  # enterprise states kept between pages (a few KB each)


class Follower:
    def __init__(self, ledger: Ledger, views: Views):
        self.ledger, self.views = ledger, views
        # The states this follower last wrote, valid while the views' position is still
        # the one it committed: another follower (another process) writing in between,
        # or a failed page, and they are forgotten.
        self._states: OrderedDict[str, fold.EnterpriseState] = OrderedDict()
        self._states_at: int | None = None

    @classmethod
    def beside(cls, ledger: Ledger, data_dir: Path) -> Follower:
        return cls(ledger, Views(data_dir / VIEWS_FILE))

    def close(self) -> None:
        self.views.close()

    def catch_up(self, progress=None) -> int:
        """Apply every event recorded since the views' position; the number applied."""
        applied = 0
        while True:
            n = self._page(PAGE, progress)
            applied += n
            if n < PAGE:
                return applied

    def rebuild(self, progress=None) -> int:
        """Throw the views away and build them again from the first event."""
        with self.views.transaction():
            self.views.reset()
        self._states.clear()
        self._states_at = 0
        applied = 0
        while True:
            n = self._page(REBUILD_PAGE, progress)
            applied += n
            if n < REBUILD_PAGE:
                return applied

    def _page(self, size: int, progress) -> int:
        try:
            with self.views.transaction():
                return self._apply_page(size, progress)
        except BaseException:
            self._states.clear()  # they may hold what was rolled back
            self._states_at = None
            raise

    def _apply_page(self, size: int, progress) -> int:
        views, ledger = self.views, self.ledger
        position = views.position()
        if position != self._states_at:
            self._states.clear()
        notifications = ledger.recorder.select_notifications(position + 1, size)
        if not notifications:
            return 0
        events = [(n.id, str(n.originator_id), ledger.mapper.to_domain_event(n))
                  for n in notifications]
        owners = views.owners(list({agg for _, agg, _ in events}))
        new_owners = {}
        for _, agg, event in events:
            enterprise = fold.enterprise_of(event)
            if enterprise is not None and agg not in owners:
                owner = (enterprise, getattr(event, "application_id", None))
                owners[agg] = new_owners[agg] = owner
        touched = list(dict.fromkeys(owners[agg][0] for _, agg, _ in events if agg in owners))
        states = self._states
        missing = [e for e in touched if e not in states]
        if missing:
            states.update(views.load(missing))
        for e in touched:
            if e in states:
                states.move_to_end(e)
        history = []
        for nid, agg, event in events:
            if agg not in owners:
                continue  # not an enterprise's event (a catalogue snapshot)
            enterprise, application = owners[agg]
            states[enterprise] = fold.apply(states.get(enterprise), event, application)
            history.append({"notification_id": nid, "enterprise_id": enterprise,
                            "application_id": application, "event": type(event).__name__,
                            "at": event.at.isoformat() if hasattr(event, "at") else None,
                            "actor": getattr(event, "actor", None),
                            "recorded_at": event.timestamp.isoformat()})
        views.add_owners(new_owners)
        views.write([states[e] for e in touched if e in states], ledger.catalogue)
        views.add_history(history)
        views.set_position(notifications[-1].id)
        self._states_at = notifications[-1].id
        while len(states) > CACHED_STATES:
            states.popitem(last=False)
        if progress:
            progress.step(len(notifications))
        return len(notifications)
