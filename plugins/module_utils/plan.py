# -*- coding: utf-8 -*-
# Copyright: akops.authentik contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan every resource's pure planner returns and converge.apply_plan carries out. No I/O here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import namedtuple

ACTIONS = ("create", "update", "delete", "none")

_PlanBase = namedtuple("Plan", ("resource", "action", "before", "body", "calls", "changed_fields", "predicted"))


class Plan(_PlanBase):
    """What one task asks of one object, as data.

    resource        'user', 'group' or 'role': which endpoints carry the plan out.
    action          'create', 'update', 'delete' or 'none': the one write (POST, PATCH, DELETE) to send.
    before          the object as read (None when it does not exist).
    body            the POST or PATCH body: only the fields that differ (None for delete and none).
    calls           the follow-up calls after the write, in order: ('set_password', None) for a user,
                    ('add_user', pk) / ('remove_user', pk) for a group's members, ('assign', batch) /
                    ('unassign', batch) for a role's permissions. Secrets are not in the plan.
    changed_fields  the names of what changes, sorted, as the task reports them.
    predicted       the object as the server will hold it afterwards: check mode's answer.
    """

    __slots__ = ()

    @property
    def changed(self):
        return self.action != "none"

    @property
    def pk(self):
        return self.before["pk"] if self.before else None

    def calls_named(self, name):
        return [argument for call, argument in self.calls if call == name]


def plan_delete(resource, before):
    """Deleting `before`, or nothing when it does not exist."""
    if before is None:
        return Plan(resource, "none", None, None, (), [], {})
    return Plan(resource, "delete", before, None, (), ["state"], {})


def write_action(before, body, calls):
    """'create' for a new object; 'update' when a field or a call changes something; else 'none'."""
    if before is None:
        return "create"
    return "update" if body or calls else "none"


def state_diff(plan, label):
    """A deletion shows as a change of state, headed by the object's name (`label` is that field)."""
    name = plan.before[label]
    return dict(before={label: name, "state": "present"}, after={label: name, "state": "absent"})


def plan_diff(plan, before_view, after_view, label, after=None):
    """Before/after of the managed fields, drawn by the two views; a deletion as a change of state.

    `after` is the object the server answered with; without it, the prediction."""
    if plan.action == "delete":
        return state_diff(plan, label)
    if plan.before is None and plan.action == "none":
        return dict(before={}, after={})
    return dict(before=before_view(plan.before), after=after_view(plan.predicted if after is None else after))
