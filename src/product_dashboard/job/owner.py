"""Which process holds a job's lease, so a restart on the same machine need not wait it out.

A lease is normally judged by its heartbeat alone (see runner): that is what works across
machines. A process killed on this machine is known dead at once, though: its owner names this
host, a pid, and that process's start time (a reused pid has another), and no such process runs.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from functools import cache

import psutil


@dataclass(frozen=True, slots=True)
class LeaseOwner:
    host: str
    pid: int
    started: float  # the process's create time, seconds since the epoch

    def __str__(self) -> str:
        return f"{self.host}/{self.pid}/{self.started:.2f}"

    @classmethod
    def parse(cls, text: str | None) -> LeaseOwner | None:
        if not text:
            return None
        parts = text.rsplit("/", 2)
        if len(parts) != 3:
            return None
        host, pid, started = parts
        try:
            return cls(host, int(pid), float(started))
        except ValueError:
            return None

    def is_dead_here(self) -> bool:
        """True only when this owner ran on this host and that process is gone."""
        if self.host != this_process().host:
            return False  # another machine: only its heartbeat can tell
        try:
            started = psutil.Process(self.pid).create_time()
        except psutil.NoSuchProcess:
            return True
        except psutil.Error:
            return False
        return f"{started:.2f}" != f"{self.started:.2f}"  # the pid was reused


@cache
def this_process() -> LeaseOwner:
    pid = os.getpid()
    return LeaseOwner(socket.gethostname(), pid, psutil.Process(pid).create_time())
