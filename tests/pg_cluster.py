"""A throw-away PostgreSQL cluster started from the installed binaries (initdb / pg_ctl).

Runs as the ``postgres`` system user when the tests run as root (initdb refuses root). The cluster
listens on 127.0.0.1 on a free port with trust authentication, fsync off: it lives only as long as the
test session.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


class ClusterUnavailable(RuntimeError):
    pass


def find_pg_bin() -> Path:
    initdb = shutil.which("initdb")
    if initdb:
        return Path(os.path.realpath(initdb)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    raise ClusterUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's `postgresql` package"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    bindir: Path
    datadir: Path
    port: int
    user: str
    _as_user: list[str]

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        subprocess.run(
            [*self._as_user, str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def start_cluster(settings: dict[str, str] | None = None) -> Cluster:
    """Start a cluster; ``settings`` are extra server settings (``{"shared_buffers": "1GB"}``)."""
    bindir = find_pg_bin()
    root = Path(tempfile.mkdtemp(prefix="revbridge-pg-"))
    datadir = root / "data"
    as_user: list[str] = []
    user = os.environ.get("USER") or "postgres"
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        user = "postgres"
        shutil.chown(root, "postgres", "postgres")
    else:
        import getpass

        user = getpass.getuser()
    init = subprocess.run(
        [
            *as_user,
            str(bindir / "initdb"),
            "-D",
            str(datadir),
            "-A",
            "trust",
            "-U",
            user,
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if init.returncode != 0:
        raise ClusterUnavailable(f"initdb failed: {init.stderr.strip() or init.stdout.strip()}")
    port = _free_port()
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=100 -c shared_buffers=128MB"
    )
    options += "".join(f" -c {name}={value}" for name, value in (settings or {}).items())
    start = subprocess.run(
        [
            *as_user,
            str(bindir / "pg_ctl"),
            "-D",
            str(datadir),
            "-o",
            options,
            "-l",
            str(root / "log"),
            "-w",
            "-t",
            "60",
            "start",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if start.returncode != 0:
        log = (root / "log").read_text() if (root / "log").exists() else ""
        raise ClusterUnavailable(f"pg_ctl start failed: {start.stderr.strip()}\n{log[-2000:]}")
    return Cluster(bindir=bindir, datadir=datadir, port=port, user=user, _as_user=as_user)
