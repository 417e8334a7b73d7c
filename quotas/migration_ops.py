"""Migration helpers for what only PostgreSQL has."""

from django.db import migrations


def on_postgresql(forward, backward) -> migrations.RunPython:
    """Run the statements `forward(schema_editor)` (and, going back, `backward(schema_editor)`)
    return, on PostgreSQL only; on other databases the operation does nothing."""

    def run(statements):
        def operation(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                for sql in statements(schema_editor):
                    schema_editor.execute(sql)

        return operation

    return migrations.RunPython(run(forward), run(backward))


def trigram_index(table: str, column: str, name: str) -> migrations.RunPython:
    """A GIN trigram index, so `LIKE '%text%'` searches use an index (PostgreSQL only;
    on SQLite, the demo's few thousand rows need none)."""
    return on_postgresql(
        lambda editor: [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)",
        ],
        lambda editor: [f"DROP INDEX IF EXISTS {name}"],
    )


def drop_like_index(table: str, column: str) -> migrations.RunPython:
    """Drop the `LIKE 'prefix%'` index PostgreSQL's schema editor adds beside a unique text
    column, where nothing searches the column by prefix (each index costs every insert)."""

    def name(editor):
        return editor.quote_name(editor._create_index_name(table, [column], suffix="_like"))

    return on_postgresql(
        lambda editor: [f"DROP INDEX IF EXISTS {name(editor)}"],
        lambda editor: [
            f"CREATE INDEX IF NOT EXISTS {name(editor)} "
            f"ON {editor.quote_name(table)} ({editor.quote_name(column)} varchar_pattern_ops)"
        ],
    )


def storage_parameters(table: str, **parameters) -> migrations.RunPython:
    """`ALTER TABLE … SET (…)` on PostgreSQL (autovacuum thresholds and the like); nothing
    elsewhere. Going back resets the parameters to the server's defaults."""
    settings = ", ".join(f"{name} = {value}" for name, value in parameters.items())
    return on_postgresql(
        lambda editor: [f"ALTER TABLE {editor.quote_name(table)} SET ({settings})"],
        lambda editor: [f"ALTER TABLE {editor.quote_name(table)} RESET ({', '.join(parameters)})"],
    )
