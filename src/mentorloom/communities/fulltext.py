"""Full-text search of community posts, one implementation per database (SQL lives here and in
migrations 0003_post_search_index and 0004_post_search_unaccent, nowhere else). The same
engines as the mentor directory (discovery/fulltext.py), with stemming because posts are prose:

SQLite: FTS5 table `communities_post_fts` (rowid = message id), Porter stemmer over unicode61
without accents, ranked by bm25, snippets by `snippet()`. PostgreSQL: the tsvector column
`communities_postsearch.vector` (GIN index) in the `communities_english` configuration
('english' with accents removed first, migration 0004), ranked by ts_rank, snippets by
ts_headline. On both, "resume" finds "résumé" and the other way round. Every query word is a
prefix, all words must match ("designing portfolio" finds a post saying "I design portfolios").

The index is written by triggers on messaging_message (see the migration), so nothing here
writes. Note for SQLite: a migration that rebuilds messaging_message (SQLite's way of altering
a column) drops the triggers with the old table; recreate them in that migration
(tests/communities/test_search.py fails if an edit is no longer indexed).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection
from django.utils.safestring import SafeString, mark_safe

from mentorloom.discovery.fulltext import is_postgres
from mentorloom.discovery.text import MAX_QUERY_LENGTH, MAX_QUERY_TERMS, STOPWORDS

# Private-use characters mark the matched words inside a snippet; the snippet is escaped as
# plain text and only then are they turned into <mark>, so a post's text can never become HTML.
_OPEN, _CLOSE = "\ue000", "\ue001"
_WORD = re.compile(r"[^\W_]+")
MAX_WORD_CHARS = 64
SNIPPET_WORDS = 24
# Index, query and headline share it: a word's accents are gone before it is stemmed.
PG_CONFIG = "communities_english"
PG_HEADLINE = (
    f'StartSel="{_OPEN}", StopSel="{_CLOSE}", MaxWords=30, MinWords=12, ShortWord=2, '
    'MaxFragments=2, FragmentDelimiter=" … "'
)


@dataclass(frozen=True)
class Hit:
    message_id: int
    snippet: str  # plain text with _OPEN/_CLOSE around matches


def query_words(query: str) -> list[str]:
    """The words of a search box entry (lower case, distinct, without the directory's stop
    words, at most MAX_QUERY_TERMS). Everything that is not a letter or digit is a separator,
    so quotes, `*`, parentheses and operator words (NEAR, AND, OR) are plain text."""
    words: list[str] = []
    for word in _WORD.findall((query or "")[:MAX_QUERY_LENGTH].casefold()):
        word = word[:MAX_WORD_CHARS]
        if word not in STOPWORDS and word not in words:
            words.append(word)
    return words[:MAX_QUERY_TERMS]


def _expression(words: Sequence[str]) -> str:
    if is_postgres():
        # Words are [^\W_]+: no quote, colon or operator can break out of the lexeme.
        return " & ".join(f"'{w}':*" for w in words)
    # Quoted, so FTS5 reads "near", "and", "or" as words; the stemmer applies inside quotes.
    return " AND ".join(f'"{w}"*' for w in words)


def search(
    words: Sequence[str], channel_ids: Sequence[int], hidden_ids: Sequence[int], limit: int
) -> list[Hit]:
    """Live posts of `channel_ids` matching every word, best first (newest first among
    equals), leaving out posts by `hidden_ids` and replies in threads they started."""
    if not words or not channel_ids:
        return []
    expression = _expression(words)
    if is_postgres():
        sql = (
            "SELECT hit.id, ts_headline(%s::regconfig, m.body, "
            "to_tsquery(%s::regconfig, %s), %s) "
            "FROM ("
            "  SELECT s.message_id AS id, ts_rank(s.vector, query) AS rank "
            "  FROM communities_postsearch s JOIN messaging_message m ON m.id = s.message_id, "
            "  to_tsquery(%s::regconfig, %s) query "
            "  WHERE s.vector @@ query AND s.channel_id = ANY(%s::bigint[]) "
            "  AND NOT (COALESCE(m.sender_id, 0) = ANY(%s::bigint[])) "
            "  AND (m.parent_id IS NULL OR NOT EXISTS ("
            "    SELECT 1 FROM messaging_message p "
            "    WHERE p.id = m.parent_id AND p.sender_id = ANY(%s::bigint[]))) "
            "  ORDER BY rank DESC, s.message_id DESC LIMIT %s"
            ") hit JOIN messaging_message m ON m.id = hit.id "
            "ORDER BY hit.rank DESC, hit.id DESC"
        )
        hidden = list(hidden_ids)
        params: list[object] = [
            PG_CONFIG,
            PG_CONFIG,
            expression,
            PG_HEADLINE,
            PG_CONFIG,
            expression,
            list(channel_ids),
            hidden,
            hidden,
            limit,
        ]
    else:
        # MATERIALIZED: the index is read once, then the few hits are checked (as discovery).
        sql = (
            "WITH hits AS MATERIALIZED ("
            "  SELECT rowid AS id, bm25(communities_post_fts) AS rank, "
            "  snippet(communities_post_fts, 0, %s, %s, '…', %s) AS snippet "
            "  FROM communities_post_fts WHERE communities_post_fts MATCH %s) "
            "SELECT hits.id, hits.snippet FROM hits "
            "JOIN communities_postsearch s ON s.message_id = hits.id "
            "JOIN messaging_message m ON m.id = hits.id "
            "WHERE s.channel_id IN (SELECT value FROM json_each(%s)) "
            "AND COALESCE(m.sender_id, 0) NOT IN (SELECT value FROM json_each(%s)) "
            "AND (m.parent_id IS NULL OR NOT EXISTS ("
            "  SELECT 1 FROM messaging_message p WHERE p.id = m.parent_id "
            "  AND p.sender_id IN (SELECT value FROM json_each(%s)))) "
            "ORDER BY hits.rank, hits.id DESC LIMIT %s"
        )
        hidden_json = json.dumps(list(hidden_ids))
        params = [
            _OPEN,
            _CLOSE,
            SNIPPET_WORDS,
            expression,
            json.dumps(list(channel_ids)),
            hidden_json,
            hidden_json,
            limit,
        ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [Hit(row[0], row[1] or "") for row in cursor.fetchall()]


# Markdown's emphasis and code marks, which read as noise in a one-line snippet, and the
# backslash before an escaped mark (a story's title is escaped that way).
_MARKS = re.compile(r"\*\*|__|`+|^#+\s|^>\s", re.MULTILINE)
_ESCAPED = re.compile(r"\\([\\`*_\[\]<>#!|~])")


def snippet_html(snippet: str) -> SafeString:
    """The snippet as HTML: text escaped, matched words in <mark>, one line."""
    text = " ".join(_ESCAPED.sub(r"\1", _MARKS.sub("", snippet)).split())
    escaped = html.escape(text, quote=False)
    marked = escaped.replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")
    # Balance the marks (a snippet may cut through a match; a body may contain the markers).
    if marked.count("<mark>") != marked.count("</mark>"):
        marked = escaped.replace(_OPEN, "").replace(_CLOSE, "")
    # Safe: the text was escaped above; only our own <mark> tags are markup.
    return mark_safe(marked)  # noqa: S308  # nosec B308 B703


def indexed_ids(message_ids: Sequence[int]) -> set[int]:
    """Which of these messages are in the text index (for tests and checks)."""
    if not message_ids:
        return set()
    table, column = (
        ("communities_postsearch", "message_id")
        if is_postgres()
        else ("communities_post_fts", "rowid")
    )
    marks = ", ".join(["%s"] * len(message_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM {table} WHERE {column} IN ({marks})",  # noqa: S608  # nosec B608
            list(message_ids),
        )
        return {row[0] for row in cursor.fetchall()}
