"""How many examples a property test tries.

The profile comes from ``HYPOTHESIS_PROFILE`` (registered in conftest): ``ci`` — the default
under ``CI=true`` — draws the same examples on every run, so a green run means the same thing
twice; ``dev`` draws new ones each time; ``thorough`` draws new ones and twenty times as many,
for a long search on demand (``HYPOTHESIS_PROFILE=thorough make test``).
"""

import os

from hypothesis import HealthCheck, settings

SCALE = 20 if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else 1


def examples(n: int) -> settings:
    """Settings for a property test that tries ``n`` examples (times the profile's scale)."""
    return settings(
        max_examples=n * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
