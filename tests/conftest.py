"""Shared test setup. Tiny named instances live in tests/fixtures.py; demo districts are generated on demand.

Hypothesis: under CI (env CI set) examples are derandomized so that a run is reproducible, and no per-example
deadline applies (a loaded 2-core machine makes timings noisy). Locally the default profile explores freely.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
