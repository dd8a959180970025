"""``cluster_health``: the gateway's ``GET /health`` — workers, sessions, capacity, per bot."""

from __future__ import annotations

from typing import Any


def cluster_health(name: str, workers: list[dict[str, Any]]) -> dict[str, Any]:
    """The health of cluster ``name`` from its live ``workers`` (:meth:`~.store.ClusterStore.overview`).

    ``capacity`` counts the workers that take sessions (not draining); ``reserved`` the
    slots promised by ``/start`` and not claimed yet.
    """
    bots: dict[str, dict[str, int]] = {}
    for worker in workers:
        bot = bots.setdefault(worker["bot"], {"workers": 0, "draining": 0, "sessions": 0, "reserved": 0, "capacity": 0})
        bot["workers"] += 1
        bot["sessions"] += worker["sessions"]
        bot["reserved"] += worker["reserved"]
        if worker["draining"]:
            bot["draining"] += 1
        else:
            bot["capacity"] += worker["max_sessions"]
    totals = {key: sum(bot[key] for bot in bots.values()) for key in ("sessions", "reserved", "capacity")}
    return {"status": "ok", "cluster": name, **totals, "bots": bots, "workers": workers}
