"""The same starting state for every benchmark run, whatever the runs before it left behind."""


def settle(tables: list[str] | None = None) -> str:
    """Vacuum `tables` (all of the database's by default) when the server's autovacuum is off, as
    on these machines: it would have run, and rows it has not seen send every index-only scan
    back to the table. Then a checkpoint, so that a run does not pay for writing out the pages
    the run before it changed. Returns what was done, for the report."""
    from django.db import connection

    done = []
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        if cursor.fetchone()[0] == "off":
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables or [])}")
            done.append(f"VACUUM (ANALYZE) of {'the tables written' if tables else 'the database'} (the server's autovacuum is off)")
        cursor.execute(
            "SELECT rolsuper OR pg_has_role(current_user, 'pg_checkpoint', 'MEMBER') FROM pg_roles WHERE rolname = current_user"
        )
        if cursor.fetchone()[0]:
            cursor.execute("CHECKPOINT")
            done.append("CHECKPOINT")
    connection.close()
    return " and ".join(done) or "nothing (autovacuum is on, and no right to CHECKPOINT)"
