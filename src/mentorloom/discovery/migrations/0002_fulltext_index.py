"""The backend-specific full-text index (see discovery/fulltext.py).

SQLite: an FTS5 virtual table keyed by profile id. PostgreSQL: a tsvector column on
discovery_searchdocument with a GIN index. Fill it with `manage.py rebuild_search_index`.
"""

from django.db import migrations

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS discovery_fts USING fts5("
    "name, headline, bio, skills, topics, industries, expertise, interests, "
    "tokenize = 'unicode61 remove_diacritics 2')"
)
# A deleted document (a deleted profile cascades to it; a test flush empties the table) takes
# its text out of the index, so a reused profile id never inherits someone else's words.
SQLITE_TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS discovery_fts_forget AFTER DELETE ON discovery_searchdocument "
    "BEGIN DELETE FROM discovery_fts WHERE rowid = old.profile_id; END"
)
SQLITE_DROP = ["DROP TRIGGER IF EXISTS discovery_fts_forget", "DROP TABLE IF EXISTS discovery_fts"]
PG_CREATE = [
    "ALTER TABLE discovery_searchdocument ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "NOT NULL DEFAULT ''::tsvector",
    "CREATE INDEX IF NOT EXISTS discovery_searchdocument_vector_gin "
    "ON discovery_searchdocument USING GIN (search_vector)",
]
PG_DROP = [
    "DROP INDEX IF EXISTS discovery_searchdocument_vector_gin",
    "ALTER TABLE discovery_searchdocument DROP COLUMN IF EXISTS search_vector",
]


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
        schema_editor.execute(SQLITE_TRIGGER)
    elif vendor == "postgresql":
        for statement in PG_CREATE:
            schema_editor.execute(statement)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)
    elif vendor == "postgresql":
        for statement in PG_DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("discovery", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
