"""Open311 GeoReport v2: conformance, intake, reads, keys, pages, the real client."""
