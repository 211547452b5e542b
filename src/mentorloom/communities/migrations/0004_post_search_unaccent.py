"""Accent-insensitive post search on PostgreSQL, as SQLite's FTS5 already is (unicode61
remove_diacritics): "resume" finds "résumé" and "résumé" finds "resume".

A text search configuration `communities_english` copies 'english' and runs every word
through the `unaccent` dictionary before the English stemmer; the trigger function indexes
with it, fulltext.py queries and highlights (ts_headline) with it, and every existing post is
reindexed here. Nothing happens on SQLite.
"""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class Unaccent(UnaccentExtension):
    """`CREATE EXTENSION IF NOT EXISTS unaccent`; reversing it on SQLite does nothing (the
    stock operation would query pg_extension there)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def _index_function(config: str) -> str:
    # The function of 0003_post_search_index with the configuration as a parameter.
    return f"""
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
                SELECT NEW.id, c.id, to_tsvector('{config}', NEW.body)
                FROM communities_channel c WHERE c.conversation_id = NEW.conversation_id;
        END IF;
        RETURN NULL;
    END
    $$
    """


def _reindex(config: str) -> str:
    return (
        f"UPDATE communities_postsearch s SET vector = to_tsvector('{config}', m.body) "
        "FROM messaging_message m WHERE m.id = s.message_id"
    )


PG_FORWARD = [
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS communities_english",
    "CREATE TEXT SEARCH CONFIGURATION communities_english (COPY = pg_catalog.english)",
    # Words with non-ASCII letters ("résumé") are `word`/`hword*` tokens; ASCII ones need no
    # unaccenting. unaccent is a filtering dictionary: it hands the bare word to the stemmer.
    "ALTER TEXT SEARCH CONFIGURATION communities_english "
    "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem",
    _index_function("communities_english"),
    _reindex("communities_english"),
]
PG_BACKWARD = [
    _index_function("english"),
    _reindex("english"),
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS communities_english",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in PG_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in PG_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("communities", "0003_post_search_index")]

    operations = [
        Unaccent(),
        migrations.RunPython(forward, backward),
    ]
