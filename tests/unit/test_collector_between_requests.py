"""Python's cyclic garbage collector waits while a request is answered, and comes back as it was
once the last request in flight has its response (tracker/middleware.py)."""

import contextlib
import gc
import threading

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory

from tracker.middleware import CollectBetweenRequestsMiddleware


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def answered(get_response):
    return CollectBetweenRequestsMiddleware(get_response)(RequestFactory().get("/dashboard/"))


def test_it_is_the_first_middleware_so_it_holds_the_collector_for_the_whole_response():
    assert settings.MIDDLEWARE[0] == "tracker.middleware.CollectBetweenRequestsMiddleware"


def test_the_collector_waits_while_the_view_runs_and_comes_back_after(collector_on):
    seen = []

    def view(request):
        seen.append(gc.isenabled())
        return HttpResponse("ok")

    response = answered(view)

    assert response.content == b"ok"
    assert seen == [False]
    assert gc.isenabled()


def test_a_view_that_fails_still_gives_the_collector_back(collector_on):
    def view(request):
        raise RuntimeError("the view failed")

    with pytest.raises(RuntimeError, match="the view failed"):
        answered(view)

    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off():
    was = gc.isenabled()
    gc.disable()
    try:
        answered(lambda request: HttpResponse("ok"))
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()


def test_with_requests_in_two_threads_it_comes_back_when_the_last_one_ends(collector_on):
    first_in, second_done, first_may_end = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def slow(request):
        first_in.set()
        first_may_end.wait(timeout=10)
        return HttpResponse("slow")

    def quick(request):
        return HttpResponse("quick")

    first = threading.Thread(target=answered, args=(slow,))
    first.start()
    assert first_in.wait(timeout=10)

    def second_request():
        answered(quick)
        seen["after the second"] = gc.isenabled()
        second_done.set()

    second = threading.Thread(target=second_request)
    second.start()
    assert second_done.wait(timeout=10)
    first_may_end.set()
    first.join(timeout=10)
    second.join(timeout=10)

    assert seen["after the second"] is False  # the first request was still being answered
    assert gc.isenabled()


@contextlib.contextmanager
def beside_a_request_in_flight():
    """A slow request held open in another thread; yields the generations of the collections
    that start meanwhile, and whether the collector was still held at the end."""
    slow_in, slow_may_end = threading.Event(), threading.Event()
    watched = {"collections": [], "held": None}

    def watch(phase, info):
        if phase == "start":
            watched["collections"].append(info["generation"])

    def slow(request):
        slow_in.set()
        slow_may_end.wait(timeout=10)
        return HttpResponse("slow")

    first = threading.Thread(target=answered, args=(slow,))
    first.start()
    assert slow_in.wait(timeout=10)
    gc.callbacks.append(watch)
    try:
        yield watched
        watched["held"] = not gc.isenabled()
    finally:
        gc.callbacks.remove(watch)
        slow_may_end.set()
        first.join(timeout=10)


def test_a_worker_never_idle_still_collects_once_enough_was_allocated(collector_on, monkeypatch):
    """Threads that keep one request in flight at every moment would hold the collector for
    good: a request ending beside others collects once the allocations since the last
    collection pass the limit."""
    monkeypatch.setattr(CollectBetweenRequestsMiddleware, "HELD_ALLOCATIONS", 1_000)

    def leaves_cycles(request):
        for _ in range(5_000):  # garbage only the collector frees: lists holding themselves
            cycle = []
            cycle.append(cycle)
        return HttpResponse("done")

    with beside_a_request_in_flight() as watched:
        answered(leaves_cycles)

    assert watched["held"]  # the slow request was still being answered
    assert watched["collections"]  # yet the allocations were collected
    assert gc.isenabled()


def test_below_the_limit_a_request_beside_others_does_not_collect(collector_on):
    with beside_a_request_in_flight() as watched:
        answered(lambda request: HttpResponse("quick"))

    assert watched["held"]
    assert watched["collections"] == []
