"""``drill --probe``: connect to a restored cluster with an IAM auth token and look inside.

The token comes from boto3 (``generate_db_connect_admin_auth_token``, the ``admin`` role); the connection
from pg8000, a pure-Python PostgreSQL driver (the ``probe`` extra: ``pip install 'dsql-backup[aws,probe]'``).
Aurora DSQL needs TLS. The probe runs ``SELECT 1`` and counts the user tables; it reports, it never fails
the process: an unreachable cluster is a failed drill, not a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from generator.recovery.engine import Engine, NewCluster

Connect = Callable[..., Any]  # pg8000.dbapi.connect's signature

USER_TABLES = ("SELECT count(*) FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
               "AND table_schema NOT IN ('pg_catalog', 'information_schema', 'sys')")


def pg8000_connect() -> Connect:
    """``ImportError`` when the probe extra is not installed."""
    import ssl

    import pg8000.dbapi  # type: ignore[import-untyped,import-not-found,unused-ignore]

    def connect(**kw: Any) -> Any:
        return pg8000.dbapi.connect(ssl_context=ssl.create_default_context(), **kw)

    return connect


def sql_probe(connect: Connect) -> Callable[[Engine, str, NewCluster], str]:
    def probe(engine: Engine, account: str, cluster: NewCluster) -> str:
        dsql = engine.clients("dsql", cluster.region, account)
        try:
            token = dsql.generate_db_connect_admin_auth_token(cluster.endpoint, cluster.region)
            conn = connect(host=cluster.endpoint, port=5432, user="admin", password=token, database="postgres",
                           timeout=30)
            try:
                cur = conn.cursor()
                cur.execute("SELECT 1")
                one = cur.fetchone()[0]
                cur.execute(USER_TABLES)
                tables = cur.fetchone()[0]
            finally:
                conn.close()
        except Exception as exc:  # any driver or network error is the probe's finding
            return f"failed: {type(exc).__name__}: {exc}"
        if one != 1:
            return f"failed: SELECT 1 returned {one!r}"
        return f"ok: SELECT 1, {tables} user table(s)"

    return probe
