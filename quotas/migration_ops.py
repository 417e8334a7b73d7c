"""Migration helpers for what only PostgreSQL has."""

from django.db import migrations


def trigram_index(table: str, column: str, name: str) -> migrations.RunPython:
    """A GIN trigram index, so `LIKE '%text%'` searches use an index (PostgreSQL only;
    on SQLite, the demo's few thousand rows need none)."""

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)")

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(forward, backward)


def drop_like_index(table: str, column: str) -> migrations.RunPython:
    """Drop the `LIKE 'prefix%'` index PostgreSQL's schema editor adds beside a unique text
    column, where nothing searches the column by prefix (each index costs every insert)."""

    def name(schema_editor):
        return schema_editor._create_index_name(table, [column], suffix="_like")

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name(schema_editor))}")

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(name(schema_editor))} "
                f"ON {schema_editor.quote_name(table)} ({schema_editor.quote_name(column)} varchar_pattern_ops)"
            )

    return migrations.RunPython(forward, backward)


def storage_parameters(table: str, **parameters) -> migrations.RunPython:
    """`ALTER TABLE … SET (…)` on PostgreSQL (autovacuum thresholds and the like); nothing
    elsewhere. Going back resets the parameters to the server's defaults."""

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            settings = ", ".join(f"{name} = {value}" for name, value in parameters.items())
            schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(table)} SET ({settings})")

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(table)} RESET ({', '.join(parameters)})")

    return migrations.RunPython(forward, backward)
