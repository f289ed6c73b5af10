"""plugins/module_utils/workers.py: bounded, ordered concurrency and one client per thread."""

import threading
import time

import pytest

from ansible_collections.akops.authentik.plugins.module_utils.workers import ClientPerThread, bounded_map


def test_results_keep_the_order_of_the_items_whatever_finishes_first():
    def work(item):
        time.sleep(0.001 * (10 - item))  # later items finish first
        return item * item
    assert list(bounded_map(work, range(10), 4)) == [item * item for item in range(10)]


@pytest.mark.parametrize("parallel", [1, 2, 5])
def test_never_more_than_parallel_run_at_once(parallel):
    running, most, lock = [0], [0], threading.Lock()

    def work(item):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.002)
        with lock:
            running[0] -= 1
        return item
    assert list(bounded_map(work, range(20), parallel)) == list(range(20))
    assert 1 <= most[0] <= parallel


def test_sequential_work_runs_on_the_calling_thread():
    caller = threading.current_thread()
    assert list(bounded_map(lambda item: threading.current_thread() is caller, [1, 2], 1)) == [True, True]


def test_the_first_error_is_raised_and_work_not_started_is_cancelled():
    started = []

    def work(item):
        started.append(item)
        if item == 0:
            raise ValueError("page 0 failed")
        time.sleep(0.01)
        return item
    with pytest.raises(ValueError, match="page 0 failed"):
        list(bounded_map(work, range(200), 2))
    # The pool is shut down when the error is raised: no thread keeps working on the rest afterwards.
    count = len(started)
    time.sleep(0.05)
    assert len(started) == count < 200


def test_each_thread_gets_its_own_client_and_only_the_first_warns():
    made = []

    def make(first):
        made.append(first)
        return object()
    clients = ClientPerThread(make)
    mine = clients.get()
    assert clients.get() is mine
    others = list(bounded_map(lambda item: clients.get(), range(8), 4))
    assert mine not in others
    assert made[0] is True and not any(made[1:])
    # At most one client per worker thread, whatever the number of items.
    assert 2 <= len(made) <= 5
