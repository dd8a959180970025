"""The session server every network transport shares: one port, many bot sessions.

HTTP front (:mod:`.http`, :mod:`.connection`, :mod:`.site`), the ``Host`` and ``Origin`` rules
(:mod:`.hosts`, :mod:`.origins`), CORS (:mod:`.cors`), ``POST /start`` (its guard
:mod:`.start_guard`, tokens :mod:`.tokens`), ``GET /health``, drain on SIGTERM and the
session lifecycle (:mod:`.server`, :mod:`.sessions`, :mod:`.reservations`), static files
(:mod:`.static`), the shared settings and bot-file keys (:mod:`.limits`, :mod:`.config`).
A transport plugin adds its wire format and media path as a :class:`.frontend.Frontend`
(its routes, its ``/start`` answer); a cluster plugin makes the server a worker of a
cluster as a :class:`.cluster.ClusterMember`. Never imported by ``import rtvi_core``.
"""
