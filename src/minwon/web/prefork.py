"""``minwon serve --workers N``: one parent loads the application, the Korean morphology model
and every module once, then forks N workers that share those memory pages (copy-on-write).

Started one by one (uvicorn's own ``--workers`` starts fresh interpreters), each worker held
its own copy of the model: about 500 MB a worker. Forked from a parent that holds it, a worker
adds only what it changes. Gunicorn runs the parent (it restarts a worker that dies and passes
signals on); the workers are uvicorn's, the same server as with one process.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from gunicorn.app.base import BaseApplication


def preloaded_app() -> FastAPI:
    """The application with everything a request will need already in memory: the Korean
    analyser (shareable across a fork, see ``tokenize.preload``), every module, and the heap
    frozen so the workers' garbage collections never write to the shared pages; the database is
    made ready first, as ``serve_app`` does (``startup.prepare``)."""
    from minwon import startup
    from minwon.analysis import tokenize
    from minwon.app import create_app
    from minwon.web import heap

    app = create_app()
    startup.log_report(startup.prepare(app.state.engine, app.state.settings))
    tokenize.preload()
    heap.settle()
    return app


def _after_fork(_arbiter: Any, _worker: Any) -> None:
    """A worker must not use database connections its parent opened (the sockets would be
    shared): it starts with an empty pool of its own."""
    from minwon.db import get_engine

    get_engine().dispose(close=False)


class PreforkServer(BaseApplication):  # type: ignore[misc]
    """Gunicorn with uvicorn workers and the application loaded in the parent."""

    def __init__(self, *, host: str, port: int, workers: int) -> None:
        self.options = {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "uvicorn_worker.UvicornWorker",
            "preload_app": True,
            "post_fork": _after_fork,
            "accesslog": "-",
            "timeout": 120,
            "control_socket_disable": True,  # two servers on one machine would share its path
        }
        super().__init__()

    def load_config(self) -> None:
        """Gunicorn's settings from ``options`` (no configuration file is read)."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> FastAPI:
        """The application, built once in the parent (``preload_app``)."""
        return preloaded_app()


def run(*, host: str, port: int, workers: int) -> None:
    """Serve on ``host:port`` with ``workers`` forked worker processes until stopped."""
    PreforkServer(host=host, port=port, workers=workers).run()
