"""`kratom-regs serve`: the SQLite export, browsable and queryable in Datasette on this machine.

The database is exported fresh into a private temporary folder (so it always matches
the package being served, never a stale file) and opened immutable: nobody can write to
it through the web, and Datasette can count and cache freely. The server listens on
127.0.0.1 only; publishing the data on a network is a deliberate step this command does
not take.
"""

from __future__ import annotations

import signal
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

from kratom_regs.loader import parse_day
from kratom_regs.outputs.exports import ExportView, datasette_metadata, needs_extra, open_package, write_sqlite

HOST = "127.0.0.1"
DATABASE = "kratom-regs"


def serve(
    port: int = 8001,
    *,
    version: str | None = None,
    package_dir: Path | None = None,
    as_of: str | None = None,
    announce: Callable[[str], None] = print,
) -> None:
    """Export the package to SQLite and serve it with Datasette until interrupted."""
    if not 1 <= port <= 65535:
        raise ValueError(f"--port must be between 1 and 65535, not {port}")
    with needs_extra("datasette"):
        import asyncio

        import uvicorn
        from datasette.app import Datasette

    view = ExportView(open_package(version, package_dir), parse_day(as_of) if as_of is not None else None)
    sock = _bind(port)  # before any announcement: "serving…" is said only once the port is ours
    with sock, tempfile.TemporaryDirectory(prefix="kratom-regs-serve-") as tmp:
        db = Path(tmp) / f"{DATABASE}.db"
        write_sqlite(view, db)
        ds = Datasette(
            immutables=[str(db)],
            metadata=datasette_metadata(view, DATABASE),
            settings={"default_page_size": 100},
            cors=False,
        )
        config = uvicorn.Config(ds.app(), host=HOST, port=port, log_level="warning", lifespan="on")

        async def run() -> None:
            await ds.invoke_startup()
            announce(
                f"serving kratom-regs {view.pkg.version} (data as of {view.pkg.as_of}) at "
                f"http://{HOST}:{port}/{DATABASE} ; press Ctrl-C to stop"
            )
            await uvicorn.Server(config).serve(sockets=[sock])

        # uvicorn shuts down gracefully on SIGINT/SIGTERM and then re-raises the signal; turning it into an
        # exception (instead of the default SIGTERM death) lets the temporary database be removed.
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            asyncio.run(run())
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
    announce("stopped")


def _bind(port: int) -> socket.socket:
    """The listening address, taken now: a port already in use is a clear error before anything is said."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        raise OSError(exc.errno, f"cannot listen on http://{HOST}:{port}: {exc.strerror}") from None
    return sock


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
