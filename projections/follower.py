"""Keeps the read models up to date with the event log.

Reads the notification log from the views' tracking position and, for each page
of events, writes the changed enterprises' rows (and user accounts') and the new
position in one transaction (BEGIN IMMEDIATE, so followers in several processes take turns):
each event is applied exactly once, and a crash resumes where it stopped. The
same code rebuilds the views from the first event, with bigger pages and the
folded states kept in memory between pages.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from eventsourcing.utils import get_topic

from lifecycle.accounts import UserAccount
from lifecycle.ledger import Ledger
from projections import pinyin
from projections import records as records_
from projections import state as fold
from projections.views import VIEWS_FILE, Views

#: The topics of account events (folded into the users table, not an enterprise's state).
ACCOUNT = get_topic(UserAccount) + "."
PAGE = 500
REBUILD_PAGE = 5000
#: A catch-up after a bulk import: each page rewrites every enterprise it touched once, and
#: a long history spreads every page over most enterprises, so bigger pages rewrite less.
BULK_PAGE = 50_000


CACHED_STATES = 50_000  # enterprise states kept between pages (a few KB each)
FLUSH_STATES = 50_000  # a rebuild writes waiting enterprises when more than this many
WRITE_STATES = 1_000  # enterprises whose rows are made and written together


class Follower:
    def __init__(self, ledger: Ledger, views: Views):
        self.ledger, self.views = ledger, views
        # The states this follower last wrote, valid while the views' position is still
        # the one it committed: another follower (another process) writing in between,
        # or a failed page, and they are forgotten.
        self._states: OrderedDict[str, fold.EnterpriseState] = OrderedDict()
        self._states_at: int | None = None
        self._read = records_.Reader(ledger.mapper)

    @classmethod
    def beside(cls, ledger: Ledger, data_dir: Path) -> Follower:
        return cls(ledger, Views(data_dir / VIEWS_FILE))

    def close(self) -> None:
        self.views.close()

    def catch_up(self, progress=None, page: int = PAGE) -> int:
        """Apply every event recorded since the views' position, `page` events a
        transaction; the number applied."""
        applied = 0
        while True:
            n = self._page(page, progress)
            applied += n
            if n < page:
                return applied

    def catch_up_bulk(self, progress=None) -> int:
        """After a bulk import: views that hold nothing yet (position 0) are built as a
        rebuild builds them, each enterprise written once; others catch up in pages of
        BULK_PAGE (each page rewrites every enterprise it touched once)."""
        if self.views.position() == 0:
            return self.rebuild(progress)
        return self.catch_up(progress, page=BULK_PAGE)

    def rebuild(self, progress=None) -> int:
        """Throw the views away and build them again from the first event.

        One transaction: readers see the old views until it commits, and other
        followers wait for it. The whole log is folded in memory and each enterprise's
        rows are written once (sooner only when more than FLUSH_STATES are waiting):
        writing them page by page would rewrite a long-lived enterprise many times.
        """
        views, ledger = self.views, self.ledger
        self._states.clear()
        self._states_at = None
        states: dict[str, fold.EnterpriseState] = {}
        dirty: set[str] = set()
        position = applied = 0
        with views.transaction():
            pinyin.remember(views.name_keys())  # what a name's key is does not change
            views.reset(indexed=False)  # each index sorted once, after its rows
            while True:
                notifications = records_.page(ledger.recorder, position + 1, REBUILD_PAGE)
                if not notifications:
                    break
                dirty.update(self._fold(notifications, states))
                position = notifications[-1].id
                applied += len(notifications)
                if len(dirty) > FLUSH_STATES:
                    views.index()  # a later write replaces these rows: it finds them by index
                    self._write(states, dirty)
                    dirty.clear()
                if progress:
                    progress.step(len(notifications))
            self._write(states, dirty)
            views.index()
            views.set_position(position)
        self._states.update(list(states.items())[-CACHED_STATES:])
        self._states_at = position
        return applied

    def _write(self, states: dict, enterprises) -> None:
        """Write these enterprises' rows, WRITE_STATES at a time: the rows of every
        enterprise at once would double a rebuild's memory at its end."""
        enterprises = list(enterprises)
        for i in range(0, len(enterprises), WRITE_STATES):
            self.views.write([states[e] for e in enterprises[i:i + WRITE_STATES]],
                             self.ledger.catalogue)

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
        notifications = records_.page(ledger.recorder, position + 1, size)
        if not notifications:
            return 0
        changed: dict[str, set] = {}
        touched = self._fold(notifications, self._states, load=True, changed=changed)
        views.write([self._states[e] for e in touched], ledger.catalogue, changed)
        views.set_position(notifications[-1].id)
        self._states_at = notifications[-1].id
        while len(self._states) > CACHED_STATES:
            self._states.popitem(last=False)
        if progress:
            progress.step(len(notifications))
        return len(notifications)

    def _fold(self, notifications, states, load: bool = False,
              changed: dict | None = None) -> list[str]:
        """Fold a page of the log into `states` (loading missing ones from the views when
        `load`), record who owns new aggregates and the history rows; the enterprises
        touched. `changed`, when given, gathers the applications each event concerns.
        """
        views, ledger = self.views, self.ledger
        accounts = [(n.id, ledger.mapper.to_domain_event(records_.notification(n)))
                    for n in notifications if n.topic.startswith(ACCOUNT)]
        if accounts:
            views.apply_accounts(accounts)
        read = self._read
        records = [read(n) for n in notifications if n.topic.startswith(fold.OWNED)]
        owners = views.owners(list({r.aggregate for r in records}))
        new_owners = {}
        for r in records:
            if r.aggregate not in owners:
                enterprise = fold.enterprise_of(r)
                if enterprise is not None:
                    owners[r.aggregate] = new_owners[r.aggregate] = (
                        enterprise, r.fields.get("application_id"))
        touched = list(dict.fromkeys(owners[r.aggregate][0] for r in records
                                     if r.aggregate in owners))
        if load:
            missing = [e for e in touched if e not in states]
            if missing:
                states.update(views.load(missing))
            for e in touched:
                if e in states:
                    states.move_to_end(e)
        history = []
        apply, iso = fold.apply, records_.iso
        for r in records:
            owner = owners.get(r.aggregate)
            if owner is None:
                continue
            enterprise, application = owner
            states[enterprise] = apply(states.get(enterprise), r, application)
            f = r.fields
            if changed is not None:
                concerned = application or f.get("application_id")
                changed.setdefault(enterprise, set()).update([concerned] if concerned else [])
            history.append((r.nid, enterprise, application, r.name, iso(f.get("at")),
                            f.get("actor"), iso(f["timestamp"])))
        views.add_owners(new_owners)
        views.add_history(history)
        return [e for e in touched if e in states]
