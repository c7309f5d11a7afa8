"""Routing at an agency's scale (issue 14): training time on 100k voices and suggestion latency.

Builds ``--voices`` labelled voices from the petitions' content tokens (each a random window
of 60–100% of a petition's tokens, so no two are the same), labelled with ``--units`` units
(each category split at random into units), then times what ``minwon analysis train`` does
for one office: ``Router.train`` on the oldest 80% (the hold-out check) and on everything,
and ``Router.predict_tokens`` one voice at a time with only the units that take voices now
allowed (as intake calls it). Times are CPU times, so that other work on the machine does
not blur them; training is also given in wall-clock time. Tokens come from a cache
(``bench/.cache/``), as training reuses the tokens stored at intake.

    .venv/bin/python bench/routing_scale.py                      # 100k voices, 120 units
    .venv/bin/python bench/routing_scale.py --voices 20000 --units 60
    .venv/bin/python bench/routing_scale.py --voices 20000 --single-calibration-part  # baseline

Up to ``classifier._FOLDED_CALIBRATION_MAX`` examples the router calibrates on three held-out
parts (two more fits); ``--single-calibration-part`` times the router as it was before, with
one part only, to run beside it.

Source: ``../shared/data/petitions-2020.jsonl.gz``, else the packaged demo corpus.
"""

from __future__ import annotations

import argparse
import gzip
import json
import pickle
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench.common import CACHE, log  # noqa: E402
from bench.routing_sets import DEMO, SHARED  # noqa: E402


def petition_tokens() -> list[tuple[str, list[str]]]:
    """(category, content tokens) of every source petition, tokenised once and cached."""
    from minwon.analysis.tokenize import tokenize_many

    source = SHARED if SHARED.exists() else DEMO
    path = CACHE / f"routing-scale-{source.name}.pkl"
    if path.exists():
        return list(pickle.loads(path.read_bytes()))
    with gzip.open(source, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    log(f"tokenising {len(rows):,} petitions (once; cached in {path.name}) ...")
    texts = [f"{r['title']}\n{r.get('content') or r.get('body') or ''}" for r in rows]
    pairs = list(zip([r["category"] for r in rows], tokenize_many(texts), strict=True))
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(pairs))
    return pairs


def synthetic(
    pairs: list[tuple[str, list[str]]], voices: int, units: int, seed: int
) -> tuple[list[list[str]], list[str]]:
    """``voices`` token lists, each a random window of a petition, and their unit labels."""
    rng = random.Random(seed)
    categories = sorted({c for c, _ in pairs})
    per = max(1, units // len(categories))
    tokens, labels = [], []
    for _ in range(voices):
        category, toks = pairs[rng.randrange(len(pairs))]
        keep = max(1, int(len(toks) * rng.uniform(0.6, 1.0)))
        start = rng.randrange(len(toks) - keep + 1) if len(toks) > keep else 0
        tokens.append(toks[start : start + keep])
        labels.append(f"{category}-{rng.randrange(per)}")
    return tokens, labels


def main() -> None:
    """Time training and suggestions and print one line per figure."""
    from minwon.analysis.classifier import Router
    from minwon.analysis.training import TRAINING_THREADS

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voices", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=120)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--single-calibration-part", action="store_true")
    args = parser.parse_args()
    if args.single_calibration_part:
        from minwon.analysis import classifier

        classifier._FOLDED_CALIBRATION_MAX = 0
    tokens, labels = synthetic(petition_tokens(), args.voices, args.units, args.seed)
    texts = [""] * len(tokens)
    cut = int(len(tokens) * 0.8)
    mean = np.mean([len(t) for t in tokens])
    log(f"{len(tokens):,} voices, {len(set(labels))} units, {mean:.0f} tokens each")
    wall, cpu = time.perf_counter(), time.process_time()
    Router(n_jobs=TRAINING_THREADS).train(texts[:cut], labels[:cut], tokens=tokens[:cut])
    hold_out = (time.perf_counter() - wall, time.process_time() - cpu)
    wall, cpu = time.perf_counter(), time.process_time()
    router = Router(n_jobs=TRAINING_THREADS).train(texts, labels, tokens=tokens)
    full = (time.perf_counter() - wall, time.process_time() - cpu)
    for what, i in (("wall-clock", 0), ("CPU", 1)):
        total = hold_out[i] + full[i]
        log(
            f"training ({what}): hold-out model {hold_out[i]:.1f}s + full model "
            f"{full[i]:.1f}s = {total:.1f}s"
        )
    allowed = set(router.labels[: int(len(router.labels) * 0.9)])  # some units closed
    queries = random.Random(args.seed).sample(tokens[cut:], min(args.queries, len(tokens) - cut))
    times = []
    for query in queries:
        t0 = time.process_time()
        router.predict_tokens(query, allowed=allowed)
        times.append(time.process_time() - t0)
    p95 = float(np.percentile(times, 95)) * 1e3
    log(
        f"suggestion (from stored tokens, {len(allowed)} units allowed): median "
        f"{statistics.median(times) * 1e3:.2f} ms, p95 {p95:.2f} ms over {len(times):,} voices"
    )
    log(f"model: {len(router.to_bytes()) / 1e6:.1f} MB stored, {router.n_features:,} features")


if __name__ == "__main__":
    main()
