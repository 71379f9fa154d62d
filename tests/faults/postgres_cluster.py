"""A private PostgreSQL cluster for one fault test: its own data folder, port and server.

PostgreSQL refuses to run as root, so the cluster belongs to the ``postgres`` OS user (the
commands run through ``runuser`` when the test runs as root). It is set up durable as the
node requires (``fsync=on``, ``synchronous_commit=on``), so an immediate restart (a crash of
the server) loses nothing it acknowledged.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import sqlalchemy

from tests.ports import free_port


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's binaries, or None when there are none."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4])
    )
    return Path(found[-1]).parent if found else None


class PostgresCluster:
    """``initdb``, ``pg_ctl start/restart/stop`` of a throw-away cluster on 127.0.0.1."""

    def __init__(self, binaries: Path) -> None:
        self.binaries = binaries
        self.port = free_port()
        # Not under pytest's folder: that one is private to root, and the server runs as
        # postgres, which must reach its data folder.
        self.root = Path(tempfile.mkdtemp(prefix="comity-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.restarts = 0

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.binaries / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check, timeout=120)

    def create(self) -> PostgresCluster:
        """Initialise the cluster and start it."""
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.port}\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.root}'\n"
                "fsync = on\n"
                "synchronous_commit = on\n"
                "full_page_writes = on\n"
                "max_connections = 50\n"
            )
        self.start()
        return self

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "start")

    def stop_immediately(self) -> None:
        """Stop without a checkpoint, as a crash does (recovery replays the WAL at start)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def restart(self) -> None:
        """``pg_ctl restart -m immediate``: the server dies and comes back from its WAL."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", "immediate",
                  "-w", "restart")  # fmt: skip
        self.restarts += 1

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of ``database`` in this cluster."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new database; its URL."""
        engine = sqlalchemy.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        finally:
            engine.dispose()
        return self.url(name)

    def destroy(self) -> None:
        """Stop the server (if it runs) and remove its folder."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)
