"""The plain baseline: the router's interface, on the same hand-written voices."""

import pytest
from analysis.test_classifier import _data

from minwon.analysis.baseline import BaselineRouter, baseline_router


def test_baseline_has_the_router_interface() -> None:
    texts, labels = _data()
    base = baseline_router().train(texts, labels)
    assert isinstance(base, BaselineRouter)
    assert base.labels == sorted(set(labels))
    p = base.predict("신호등이 고장 났어요")
    assert p.label in base.labels and 0 <= p.confidence <= 1 and len(p.alternatives) == 2
    with pytest.raises(ValueError, match="not trained"):
        BaselineRouter().predict("x")
