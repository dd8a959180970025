"""CPU and memory of another process, read from /proc (Linux, standard library only).

CPU is the sum of ``/proc/PID/task/*/schedstat`` run times: every thread of the
process, nanosecond resolution (``utime + stime`` ticks of ``/proc/PID/stat``
have a 10 ms resolution, too coarse for a few thousand round trips; they are
kept as a cross-check).
"""

from __future__ import annotations

import os

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def cpu_ns(pid: int) -> int:
    """CPU time used so far by all threads of ``pid``, in nanoseconds."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat", encoding="ascii") as fh:
                total += int(fh.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):  # the thread just ended
            pass
    return total


def _stat(pid: int | str) -> list[str]:
    """The fields of ``/proc/PID/stat`` after the command name (the state first)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        return fh.read().rsplit(")", 1)[1].split()


def cpu_ticks(pid: int) -> int:
    """``utime + stime`` of ``pid`` in clock ticks (see :data:`TICKS_PER_SECOND`)."""
    fields = _stat(pid)
    return int(fields[11]) + int(fields[12])


def rss_kib(pid: int | str = "self") -> int:
    """Resident set size (``VmRSS``) of ``pid`` in KiB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS in /proc/{pid}/status")


def children(pid: int) -> list[int]:
    """The live child processes of ``pid``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if int(_stat(entry)[1]) == pid:
                    found.append(int(entry))
            except (FileNotFoundError, ProcessLookupError):
                pass
    return found


def tree_cpu_ticks(pid: int) -> int:
    """:func:`cpu_ticks` of ``pid`` and its live children (``rtvi run --workers N``'s
    supervisor and workers); a child that ended and was waited for counts through the
    parent's ``cutime + cstime``."""
    own = sum(int(field) for field in _stat(pid)[11:15])  # utime, stime, cutime, cstime
    return own + sum(cpu_ticks(child) for child in children(pid))


def tree_rss_kib(pid: int) -> int:
    """:func:`rss_kib` of ``pid`` and its live children."""
    return rss_kib(pid) + sum(rss_kib(child) for child in children(pid))
