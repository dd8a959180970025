"""``ClusterKeys``: where a cluster keeps its state in Redis.

Every key of the cluster named ``N`` starts with ``rtvi:{N}:`` (the braces are a Redis
Cluster hash tag: all of a cluster's keys live in one slot, as its Lua scripts need):

* ``rtvi:{N}:workers`` — a set of worker ids (the scripts drop the dead ones);
* ``rtvi:{N}:worker:<id>`` — a hash per worker (``url``, ``bot``, ``version``,
  ``max_sessions``, ``sessions``, ``draining``), expiring ``heartbeat_ttl_secs`` after
  the worker's last heartbeat: a worker that stops heartbeating disappears with it;
* ``rtvi:{N}:reservations:<id>`` — a sorted set of the slots reserved on that worker
  and not claimed yet: reservation id → expiry (Redis time, ms).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: What a cluster name may be.
NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def check_name(name: str) -> str:
    """``name`` if it is a usable cluster name, else ValueError saying what is."""
    if not NAME.match(name):
        raise ValueError(f"cluster name {name[:80]!r} must be 1-64 letters, digits, '_', '.' or '-'")
    return name


@dataclass(frozen=True, slots=True)
class ClusterKeys:
    """The Redis keys of the cluster ``name``."""

    name: str

    @property
    def prefix(self) -> str:
        """What every key of the cluster starts with."""
        return f"rtvi:{{{self.name}}}:"

    @property
    def workers(self) -> str:
        """The set of worker ids."""
        return f"{self.prefix}workers"

    def worker(self, worker_id: str) -> str:
        """The hash describing ``worker_id``."""
        return f"{self.prefix}worker:{worker_id}"

    def reservations(self, worker_id: str) -> str:
        """The sorted set of the slots reserved on ``worker_id``."""
        return f"{self.prefix}reservations:{worker_id}"
