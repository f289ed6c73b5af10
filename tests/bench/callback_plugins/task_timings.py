# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark helper: write each task's wall time (seconds, by task name) to the file named by AKOPS_TIMINGS."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: task_timings
type: aggregate
short_description: Write each task's wall time to the file named by AKOPS_TIMINGS
description:
  - Used by the collection's benchmark to compare tasks measured in the same playbook run.
requirements:
  - AKOPS_TIMINGS set in the environment
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_timings"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self._timings = {}
        self._current = None

    def _close_current(self):
        if self._current:
            name, started = self._current
            self._timings[name] = time.perf_counter() - started
            self._current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._close_current()
        self._current = (task.get_name(), time.perf_counter())

    def v2_playbook_on_stats(self, stats):
        self._close_current()
        with open(os.environ["AKOPS_TIMINGS"], "w") as handle:
            json.dump(self._timings, handle)
