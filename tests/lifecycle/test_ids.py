"""The aggregates' ids never change: the stored events of every store are keyed by them.
The values below were made by the spelling each module had before lifecycle/ids.py."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from lifecycle.accounts import account_uuid
from lifecycle.catalogue_versions import catalogue_uuid
from lifecycle.command_log import command_uuid, request_uuid
from lifecycle.daily_run import daily_run_uuid
from lifecycle.enterprise import enterprise_uuid
from lifecycle.flags import board_uuid
from lifecycle.grant import application_uuid


@pytest.mark.parametrize(("made", "expected"), [
    (application_uuid("TZ-2025-00201"), "1b0539aa-0fd1-5949-9472-897ee9fb5db7"),
    (enterprise_uuid("91110112MA00001537"), "e9a88883-35b1-5629-beb7-d81eb9dcfd53"),
    (board_uuid("91110112MA00001537"), "b213e5a7-5dcc-5e8e-b3a6-3dad2d1643b5"),
    (command_uuid("c-1"), "eb5a688a-a3dc-554c-8b32-8fbeeb776aa2"),
    (request_uuid("wang", "k1"), "03afb6fb-0124-52b3-9ed3-5d62a1e925be"),
    (account_uuid("wang"), "2e5c961a-9654-5bde-8493-1397ec1409df"),
    (daily_run_uuid(date(2035, 5, 31)), "12267ef3-54c3-556f-aeda-9a9049b847a4"),
    (catalogue_uuid("v1"), "032650c2-0fc5-542e-9e97-53a8b250a766"),
])
def test_an_aggregates_id_is_the_one_its_events_are_stored_under(made, expected):
    assert made == UUID(expected)


def test_a_forged_id_of_any_type_still_names_an_aggregate():
    """The audit looks up the enterprise a forged event names, whatever its type."""
    assert enterprise_uuid(["x"]) == enterprise_uuid("['x']")
