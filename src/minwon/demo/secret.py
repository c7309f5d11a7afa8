"""The demo's own secret key: `minwon demo` needs no configuration, yet must not sign cookies
with the key shipped in the code. It makes a random key once, keeps it in ``.minwon-secret``
beside the SQLite database (the working directory for other databases), readable by its
owner only (mode 0600, never committed: see .gitignore), and uses it on every later run."""

import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

from minwon.config import Settings, secret_key_problem

SECRET_FILE = ".minwon-secret"


def secret_file_for(database_url: str) -> Path:
    """Where the demo keeps its key: beside the SQLite file, else in the working directory."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent / SECRET_FILE
    return Path.cwd() / SECRET_FILE


def demo_secret_key(settings: Settings) -> str:
    """The key the demo signs cookies with: the configured one when it is strong enough,
    else the one kept in the secret file, made (random, 64 characters) on the first run."""
    if secret_key_problem(settings.secret_key) is None:
        return settings.secret_key
    path = secret_file_for(settings.database_url)
    if path.exists():
        kept = path.read_text(encoding="utf-8").strip()
        if secret_key_problem(kept) is None:
            return kept
        path.unlink()  # damaged or emptied: replace it rather than use a weak key
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(key + "\n")
    return key
