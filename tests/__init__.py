"""The test suite. This package is imported before tests/conftest.py, hence before any module of
the code under test: the one place to set up coverage's probes for the xdist workers."""

import os
import sys


def _coverage_probes_remove_themselves() -> None:
    """Under `python -m slipcover -m pytest -n N` (scripts/test), SlipCover's pytest plugin
    instruments each xdist worker, but without the `immediate` setting ([tool.slipcover]) that
    the controller reads: SlipCover 1.1 hands the workers branch, source and omit only. A
    worker's probes then kept firing until a hit count made SlipCover rescan every instrumented
    function, every module and every thread's frames to take the fired ones out: 41 scans,
    most of a worker's CPU in a run of tests/product and tests/conflict. Immediate probes take
    themselves out when first hit. Set before anything is instrumented (the two modes do not
    mix: a scan asserts the instance is not immediate)."""
    if not os.environ.get("SLIPCOVER_ENABLED") or "PYTEST_XDIST_WORKER" not in os.environ:
        return
    try:
        from slipcover import pytest_plugin
    except ImportError:
        return
    instance = getattr(pytest_plugin, "_slipcover_instance", None)
    # SlipCover on Python 3.12+ uses sys.monitoring: no rescans, nothing to set.
    if instance is not None and sys.version_info < (3, 12) and not instance.instrumented:
        instance.immediate = True


_coverage_probes_remove_themselves()
