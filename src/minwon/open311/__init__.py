"""Open311 GeoReport v2: civic apps file and read service requests over the open standard."""
