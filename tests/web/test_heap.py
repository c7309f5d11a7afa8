"""The server settles its heap at start: every module imports, and what is alive is frozen."""

import gc

from minwon.web import heap


def test_settle_imports_everything_and_freezes_the_heap() -> None:
    try:
        frozen = heap.settle()
        assert frozen > 10_000 and gc.get_freeze_count() == frozen
        assert "minwon.reports.pages" in heap.import_all()
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0
