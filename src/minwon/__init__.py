"""minwon — a ledger in which a Korean public agency hears, records, answers and learns from
what its citizens say."""

__version__ = "0.1.0"
