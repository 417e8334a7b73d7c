"""Vacuum and analyse the initiatives and their history after 1 % new rows, not PostgreSQL's
default 20 %: at national scale that default waits for 200,000 submissions, a whole surge, and
until then the review queues' index-only scans visit the table for every new row (measured:
a district's first page, 93 ms of SQL after a load run of 93,000 submissions, 23 ms once
vacuumed and analysed)."""

from django.db import migrations

from quotas.migration_ops import storage_parameters

SOON = {
    "autovacuum_vacuum_insert_scale_factor": 0.01,
    "autovacuum_vacuum_scale_factor": 0.02,
    "autovacuum_analyze_scale_factor": 0.01,
}


class Migration(migrations.Migration):

    dependencies = [("initiatives", "0009_fewer_indexes_per_submission")]

    operations = [
        storage_parameters("initiatives_initiative", **SOON),
        storage_parameters("initiatives_statuschange", **SOON),
    ]
