# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bounded concurrency for the bulk module: one HTTP client per thread, and an ordered map over a thread pool.
No Ansible here. concurrent.futures is imported only when work really runs in parallel, so single-object
modules never pay for it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading


class ClientPerThread(object):
    """requests.Session is not meant to be shared between threads: each thread gets its own client.

    `make_client(first)` builds one; `first` is True only for the client made before any thread starts, which
    gives the connection warnings once."""

    def __init__(self, make_client):
        self._make_client = make_client
        self._local = threading.local()
        self._local.client = make_client(True)

    def get(self):
        if not hasattr(self._local, "client"):
            self._local.client = self._make_client(False)
        return self._local.client


def bounded_map(work, items, parallel):
    """Yield work(item) for each item, in the order of `items`, with at most `parallel` running at once.

    A result is dropped as soon as it is yielded, so that a long run (a thousand list pages) keeps only the
    results that finished ahead of the one being consumed. The first exception is raised in order; work not yet
    started is then cancelled, and work already running is waited for, so no thread outlives the call."""
    items = list(items)
    if parallel <= 1 or len(items) <= 1:
        for item in items:
            yield work(item)
        return
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=min(parallel, len(items)))
    futures = [pool.submit(work, item) for item in items]
    try:
        for index, future in enumerate(futures):
            result = future.result()
            futures[index] = None
            yield result
    finally:
        for future in futures:
            if future is not None:
                future.cancel()
        pool.shutdown(wait=True)
