"""Tests of the shared web pages (a package, so its test_pages.py does not clash with
tests/voices/test_pages.py)."""
