"""Full-text search of community posts (see communities/fulltext.py).

`communities_postsearch` has one row per live channel post. Database triggers on
messaging_message keep it (and the text index beside it) in step with every insert, edit,
soft delete and delete, whichever code path writes the message: messaging's send SQL, the
socket, the API, moderation, the demo seed. A deleted or emptied post leaves the index.

SQLite: an FTS5 table `communities_post_fts` (rowid = message id) with the Porter stemmer over
unicode61 (accents removed), so "designing" finds "design". PostgreSQL: a tsvector column
`vector` on communities_postsearch in the 'english' configuration (stemmed), GIN index.
Existing channel posts are indexed by the migration.
"""

import django.db.models.deletion
from django.db import migrations, models

# --- SQLite ------------------------------------------------------------------------------------

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS communities_post_fts USING fts5("
    "body, tokenize = 'porter unicode61 remove_diacritics 2')",
    # A new message of a channel conversation, with text, enters the index.
    """
    CREATE TRIGGER IF NOT EXISTS communities_post_indexed AFTER INSERT ON messaging_message
    WHEN new.deleted_at IS NULL AND new.body <> ''
    BEGIN
        INSERT INTO communities_postsearch (message_id, channel_id)
            SELECT new.id, c.id FROM communities_channel c
            WHERE c.conversation_id = new.conversation_id;
        INSERT INTO communities_post_fts (rowid, body)
            SELECT new.id, new.body FROM communities_channel c
            WHERE c.conversation_id = new.conversation_id;
    END
    """,
    # An edit replaces the text; a (soft) delete empties the body and sets deleted_at: out.
    """
    CREATE TRIGGER IF NOT EXISTS communities_post_reindexed
    AFTER UPDATE OF body, deleted_at ON messaging_message
    WHEN old.body IS NOT new.body OR old.deleted_at IS NOT new.deleted_at
    BEGIN
        DELETE FROM communities_post_fts WHERE rowid = old.id;
        DELETE FROM communities_postsearch WHERE message_id = old.id;
        INSERT INTO communities_postsearch (message_id, channel_id)
            SELECT new.id, c.id FROM communities_channel c
            WHERE c.conversation_id = new.conversation_id
            AND new.deleted_at IS NULL AND new.body <> '';
        INSERT INTO communities_post_fts (rowid, body)
            SELECT new.id, new.body FROM communities_channel c
            WHERE c.conversation_id = new.conversation_id
            AND new.deleted_at IS NULL AND new.body <> '';
    END
    """,
    # A removed row (a cascade, a test flush) takes its text along, so a reused id never
    # inherits someone else's words.
    """
    CREATE TRIGGER IF NOT EXISTS communities_post_forgotten AFTER DELETE ON messaging_message
    BEGIN
        DELETE FROM communities_post_fts WHERE rowid = old.id;
        DELETE FROM communities_postsearch WHERE message_id = old.id;
    END
    """,
    # A channel deleted with its community takes its entries (a cascade); their text goes too.
    """
    CREATE TRIGGER IF NOT EXISTS communities_post_unlisted AFTER DELETE ON communities_postsearch
    BEGIN
        DELETE FROM communities_post_fts WHERE rowid = old.message_id;
    END
    """,
    """
    INSERT INTO communities_postsearch (message_id, channel_id)
        SELECT m.id, c.id FROM messaging_message m
        JOIN communities_channel c ON c.conversation_id = m.conversation_id
        WHERE m.deleted_at IS NULL AND m.body <> ''
    """,
    """
    INSERT INTO communities_post_fts (rowid, body)
        SELECT m.id, m.body FROM messaging_message m
        JOIN communities_postsearch s ON s.message_id = m.id
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS communities_post_indexed",
    "DROP TRIGGER IF EXISTS communities_post_reindexed",
    "DROP TRIGGER IF EXISTS communities_post_forgotten",
    "DROP TRIGGER IF EXISTS communities_post_unlisted",
    "DROP TABLE IF EXISTS communities_post_fts",
]

# --- PostgreSQL --------------------------------------------------------------------------------

PG_CREATE = [
    "ALTER TABLE communities_postsearch ADD COLUMN IF NOT EXISTS vector tsvector "
    "NOT NULL DEFAULT ''::tsvector",
    "CREATE INDEX IF NOT EXISTS communities_postsearch_vector_gin "
    "ON communities_postsearch USING GIN (vector)",
    """
    CREATE OR REPLACE FUNCTION communities_index_post() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM communities_postsearch WHERE message_id = OLD.id;
            RETURN NULL;
        END IF;
        IF TG_OP = 'UPDATE' THEN
            IF NEW.body IS NOT DISTINCT FROM OLD.body
               AND NEW.deleted_at IS NOT DISTINCT FROM OLD.deleted_at THEN
                RETURN NULL;
            END IF;
            DELETE FROM communities_postsearch WHERE message_id = OLD.id;
        END IF;
        IF NEW.deleted_at IS NULL AND NEW.body <> '' THEN
            INSERT INTO communities_postsearch (message_id, channel_id, vector)
                SELECT NEW.id, c.id, to_tsvector('english', NEW.body)
                FROM communities_channel c WHERE c.conversation_id = NEW.conversation_id;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "DROP TRIGGER IF EXISTS communities_post_index ON messaging_message",
    "CREATE TRIGGER communities_post_index "
    "AFTER INSERT OR UPDATE OF body, deleted_at OR DELETE ON messaging_message "
    "FOR EACH ROW EXECUTE FUNCTION communities_index_post()",
    """
    INSERT INTO communities_postsearch (message_id, channel_id, vector)
        SELECT m.id, c.id, to_tsvector('english', m.body) FROM messaging_message m
        JOIN communities_channel c ON c.conversation_id = m.conversation_id
        WHERE m.deleted_at IS NULL AND m.body <> ''
    """,
]
PG_DROP = [
    "DROP TRIGGER IF EXISTS communities_post_index ON messaging_message",
    "DROP FUNCTION IF EXISTS communities_index_post()",
    "DROP INDEX IF EXISTS communities_postsearch_vector_gin",
    "ALTER TABLE communities_postsearch DROP COLUMN IF EXISTS vector",
]


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_CREATE, "postgresql": PG_CREATE}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_DROP, "postgresql": PG_DROP}.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0002_stories"),
        ("messaging", "0010_conversation_kind_workshop"),
    ]

    operations = [
        migrations.CreateModel(
            name="PostSearch",
            fields=[
                (
                    "message",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="messaging.message",
                    ),
                ),
                (
                    "channel",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="communities.channel",
                    ),
                ),
            ],
        ),
        migrations.RunPython(create_index, drop_index),
    ]
