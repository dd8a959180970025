"""rtvi-cluster: many ``rtvi run`` workers behind ``rtvi gateway``, coordinated through Redis.

Registered through the ``rtvi`` entry point ``cluster`` (:mod:`rtvi_cluster.plugin`): the
cluster membership ``[cluster] use = "redis"`` (:class:`~rtvi_cluster.member.RedisCluster`;
``rtvi run BOT --cluster URL``) and the ``rtvi gateway`` command
(:class:`~rtvi_cluster.gateway.Gateway`). The Redis data model is in :mod:`.keys`, the
atomic dispatch in :mod:`.scripts`. Logged on ``rtvi.cluster`` (:data:`logger`).
"""

from .log import logger
from .member import RedisCluster

__version__ = "0.1.0"

__all__ = ["RedisCluster", "__version__", "logger"]
