"""The scale-out load test's checks (bench/scaleout.py): a stale read, a lost or duplicated
update, and the proxy's configuration are found for what they are."""

import datetime
import importlib.util
import sys
from pathlib import Path

import pytest

_path = Path(__file__).resolve().parents[2] / "bench" / "scaleout.py"
_spec = importlib.util.spec_from_file_location("scaleout", _path)
scaleout = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("scaleout", scaleout)  # dataclasses look their module up
_spec.loader.exec_module(scaleout)

Approval, Read = scaleout.Approval, scaleout.Read
DAY = "2026-11-29"


def key(update: int, second: int) -> tuple:
    """The order a cell shows its updates in: effective date, creation time, id."""
    return (DAY, datetime.datetime(2026, 11, 30, 6, 0, second, tzinfo=datetime.UTC), update)


KEYS = {10: key(10, 1), 11: key(11, 2), 12: key(12, 3)}


def test_a_read_begun_after_an_approval_was_answered_must_show_it():
    approvals = [Approval("R03/FRA", done_at=5.0, update=10)]
    fresh = Read("R03/FRA", started_at=6.0, shown=10)
    stale = Read("R03/FRA", started_at=6.0, shown=None)  # still "no approved update"
    older = Read("R03/FRA", started_at=6.0, shown=999)  # the seeded history, older

    assert scaleout.stale_reads(approvals, [fresh, stale, older], KEYS) == [
        (stale, 10),
        (older, 10),
    ]


def test_a_read_begun_before_the_approval_was_answered_may_show_the_older_status():
    approvals = [Approval("R03/FRA", done_at=5.0, update=10)]
    during = Read("R03/FRA", started_at=4.9, shown=None)

    assert scaleout.stale_reads(approvals, [during], KEYS) == []


def test_a_newer_update_than_the_last_approval_answered_is_fresh():
    # 12 was logged after 11; its approval is still in flight when the read begins.
    approvals = [Approval("R03/FRA", 5.0, 11), Approval("R03/FRA", 9.0, 12)]

    assert scaleout.stale_reads(approvals, [Read("R03/FRA", 6.0, 12)], KEYS) == []


def test_the_latest_by_the_cells_order_counts_not_the_latest_answered():
    # 11 was logged after 10 but approved first: once both are approved the cell shows 11,
    # and showing 10 then is stale even though 10's approval was answered last.
    approvals = [Approval("R03/FRA", 5.0, 11), Approval("R03/FRA", 6.0, 10)]
    shows_10 = Read("R03/FRA", 7.0, 10)

    assert scaleout.stale_reads(approvals, [Read("R03/FRA", 7.0, 11), shows_10], KEYS) == [
        (shows_10, 11)
    ]


def test_approvals_of_another_cell_do_not_count():
    approvals = [Approval("R19/NGA", 5.0, 10)]

    assert scaleout.stale_reads(approvals, [Read("R03/FRA", 6.0, None)], KEYS) == []


def test_census_finds_lost_duplicated_unapproved_and_unknown_updates():
    told = {"a": 1, "b": 2, "c": 3, "d": 4}
    approved = {"a", "d"}
    rows = {"a": [1, "approved"], "b": [2, "submitted"], "d": [1, "submitted"], "x": [1, "draft"]}

    assert scaleout.census_problems(told, approved, rows) == [
        "duplicated 2 times: b",
        "lost: c",
        "told approved, is submitted: d",
        "not told created: x",
    ]


def test_census_of_a_clean_run_is_empty():
    assert scaleout.census_problems({"a": 1}, {"a"}, {"a": [1, "approved"]}) == []


@pytest.mark.parametrize("backends", [[8001], [8001, 8002]])
def test_haproxy_listens_and_forwards_on_loopback_only(backends):
    config = scaleout.haproxy_config(9000, backends)

    assert "bind 127.0.0.1:9000\n" in config
    assert "balance roundrobin" in config
    assert "option forwardfor" in config
    servers = [line.split() for line in config.splitlines() if line.strip().startswith("server")]
    assert [server[2] for server in servers] == [f"127.0.0.1:{port}" for port in backends]


def test_the_cells_headline_update_is_read_from_its_page():
    page = (
        b'<h2 id="cell-headline" class="h4">Current status</h2><p> ... <a href="/updates/42/">'
        b'the update<span class="visually-hidden"> (update #42)</span></a> ... '
        b'<h2 id="cell-timeline">... (update #41)'
    )

    assert scaleout.shown_on_page(page) == 42
    assert scaleout.shown_on_page(b'<h2 id="cell-headline">No approved update yet.</h2>') is None
