"""Run every benchmark module in bench/ (or those named on the command line).

Benchmarks use a PostgreSQL database of their own (``lims_bench``, created when missing) unless
DATABASE_URL says otherwise, so that figures are for the production database.
"""

import importlib
import os
import pkgutil
import sys
from pathlib import Path

import django

BENCH_DATABASE = "lims_bench"


def ensure_bench_database() -> None:
    if "DATABASE_URL" in os.environ:
        return
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as db:
        if not db.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE]
        ).fetchone():
            db.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{BENCH_DATABASE}"


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lims.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    ensure_bench_database()
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # Benchmarks measure production behaviour: no query log, and the test client's host.
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    here = Path(__file__).parent
    names = argv or sorted(
        m.name for m in pkgutil.iter_modules([str(here)]) if m.name != "__main__"
    )
    for name in names:
        print(f"== bench/{name}.py")
        importlib.import_module(f"bench.{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
