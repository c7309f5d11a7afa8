"""Short pauses in a long-running server: the modules pages import only when first needed are
imported at start, and everything alive then is moved out of the cyclic garbage collector's
reach (``gc.freeze``). Those objects live as long as the process; scanning them — some 300,000
— on every full collection paused one request in twenty by 100–150 ms (bench/dashboard.py)."""

import gc
import importlib
import pkgutil

import minwon

# Imported inside functions, so that commands and tests that never draw a chart or fit a
# topic model do not pay for them; a server will need them.
LAZY = (
    "matplotlib.figure",
    "matplotlib.axes",
    "matplotlib.font_manager",
    "scipy.stats",
    "sklearn.decomposition",
    "sklearn.feature_extraction.text",
    "sklearn.metrics",
    "kiwipiepy",
)
SKIP = ("minwon.migrations", "minwon.cli", "minwon.__main__", "minwon.web.prefork")


def import_all() -> list[str]:
    """Import every minwon module and the libraries they import lazily; the names imported."""
    names = [
        m.name
        for m in pkgutil.walk_packages(minwon.__path__, prefix="minwon.")
        if not m.name.startswith(SKIP)
    ]
    for name in (*names, *LAZY):
        importlib.import_module(name)
    return names


def settle() -> int:
    """Import what requests would import later, collect, and freeze what is alive; returns how
    many objects the collector no longer scans."""
    import_all()
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
