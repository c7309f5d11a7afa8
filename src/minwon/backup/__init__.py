"""Backups of the whole database and their restore: SQLite through its online backup API,
PostgreSQL through ``pg_dump`` / ``pg_restore`` (custom format). A backup is a plain file of
the engine's own kind, so the engine's own tools can read it too."""
