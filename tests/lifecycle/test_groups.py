"""Commands saved in groups answer and record exactly as they would one at a time."""

from __future__ import annotations

from contextlib import closing

from lifecycle.ledger import Ledger
from tests.conftest import TEST_CLOCK, Store
from tests.lifecycle.state import facts
from web import contract
from web.schemas import load_command
from web.synthetic import history


def test_a_group_answers_and_records_what_one_at_a_time_would(event_store, tmp_path):
    commands = [load_command(c) for c in history(event_store.ledger().catalogue,
                                                 enterprises=40, seed=21)]
    # Refusals inside groups: a second registration, a payment of an unknown application.
    for at in (30, 300, 301, 700):
        commands.insert(at, commands[0])
        commands.insert(at + 1, load_command({"type": "DisburseTranche", "at": "2026-01-05",
                                              "application_id": "NOPE", "year": 2026}))
    with closing(event_store.ledger()) as grouped:
        lines = lines_of(grouped.run(commands, group=64))
        grouped_facts = facts(grouped)
    with closing(Store("sqlite", tmp_path / "single").ledger()) as single:
        assert lines == [contract.line(single.execute(c)) for c in commands]
        assert grouped_facts == facts(single)
    assert any(not line["ok"] for line in lines) and sum(line["ok"] for line in lines) > 500


def test_a_group_that_loses_a_race_is_decided_again_one_command_at_a_time(event_store):
    commands = [load_command(c) for c in history(event_store.ledger().catalogue,
                                                 enterprises=5, seed=4)][:60]

    class Rivalled(Ledger):
        name = Ledger.name  # the same tables as the ledger's
        rival_done = False

        def save(self, *objs, **kwargs):
            # Another process records the group's first command just before the group's save.
            if not self.rival_done and len(objs) > 3:
                self.rival_done = True
                with closing(event_store.ledger()) as rival:
                    assert rival.execute(commands[0]).ok
            return super().save(*objs, **kwargs)

    with closing(Rivalled(env=event_store.settings(), clock=TEST_CLOCK)) as ledger:
        lines = lines_of(ledger.run(commands, group=60))
    assert ledger.rival_done
    # The group was refused as a whole and decided again: the first command now finds
    # its enterprise already registered; every other line is as if run alone after it.
    assert lines[0]["error"]["code"] == "duplicate_id"
    assert all(line["ok"] for line in lines[1:] if line["command"] == "RegisterEnterprise")


def test_commands_carried_out_together_are_all_saved_or_none(ledger):
    from tests.builders import certify, register, submit

    before = ledger.recorder.max_notification_id()
    lines = lines_of(ledger.run([load_command(c) for c in (
        register(1), submit("T-1", 1), certify("T-1"), submit("T-1", 1))], together=True))
    assert [line["ok"] for line in lines] == [True, True, True, False]
    assert lines[-1]["error"]["code"] == "duplicate_id"
    assert ledger.recorder.max_notification_id() == before  # nothing of the four
    lines = lines_of(ledger.run([load_command(c) for c in (
        register(1), submit("T-1", 1), certify("T-1"))], together=True))
    assert all(line["ok"] for line in lines)
    assert ledger.application("T-1").status == "certified"


def lines_of(outcomes):
    return [contract.line(o) for o in outcomes]


def test_a_group_asks_the_store_once_for_the_new_ids_its_commands_name(event_store):
    from tests.builders import register, submit

    commands = [load_command(c) for c in (
        *(register(n) for n in range(1, 21)), *(submit(f"N-{n}", n) for n in range(1, 21)))]
    with closing(event_store.ledger()) as ledger:
        reads = []
        select_events = ledger.recorder.select_events
        ledger.recorder.select_events = lambda *a, **k: reads.append(a) or select_events(*a, **k)
        lines = lines_of(ledger.run(commands, group=40))
        assert all(line["ok"] for line in lines)
        assert reads == []  # each registration and submission knew its id was new
        # and what it decided is what one command at a time decides
        again = lines_of(ledger.run([load_command(submit("N-1", 1))]))
        assert again[0]["error"]["code"] == "duplicate_id"


def test_the_store_says_which_ids_it_holds_events_of(event_store):
    from uuid import uuid4

    from lifecycle import presence
    from lifecycle.enterprise import enterprise_uuid
    from tests.builders import credit_code, register

    with closing(event_store.ledger()) as ledger:
        assert ledger.execute(load_command(register(1))).ok
        held, other = enterprise_uuid(credit_code(1)), uuid4()
        assert presence.stored(ledger.recorder, [held, other]) == {held}
        many = [uuid4() for _ in range(presence.CHUNK + 7)] + [held]
        assert presence.stored(ledger.recorder, many) == {held}
