"""Benchmarks of minwon: intake throughput against a bare baseline, ledger latency at scale.

Run ``python bench/run.py --help`` (or ``make bench``); see ``bench/README.md``.
"""
