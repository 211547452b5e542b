"""The full-text index, one implementation per database (SQL lives here and nowhere else).

SQLite: FTS5 virtual table `discovery_fts` (rowid = profile id), one column per field, ranked by
bm25 with per-column weights. PostgreSQL: `discovery_searchdocument.search_vector` (tsvector,
GIN index), fields weighted A–D, ranked by ts_rank. Both index text normalised by text.normalise
and use prefix matching on every query word.

Weights (why an exact skill beats a passing mention in a bio):
  skills, topics 10 (A) · industries, expertise 6, interests 3 (B)
  name 3, headline 4 (C) · bio 1 (D)
"""

from __future__ import annotations

import bisect
import json
import time
from collections.abc import Iterable, Sequence

from django.db import connection

from .models import SearchTerm
from .text import Term

FIELDS = ("name", "headline", "bio", "skills", "topics", "industries", "expertise", "interests")
BM25_WEIGHTS = {
    "name": 3.0,
    "headline": 4.0,
    "bio": 1.0,
    "skills": 10.0,
    "topics": 10.0,
    "industries": 6.0,
    "expertise": 6.0,
    "interests": 3.0,
}
PG_WEIGHT = {
    "skills": "A",
    "topics": "A",
    "industries": "B",
    "expertise": "B",
    "interests": "B",
    "name": "C",
    "headline": "C",
    "bio": "D",
}
# Fields a career goal or interest is matched against (weights A and B on PostgreSQL).
SUBJECT_FIELDS = ("skills", "topics", "industries", "expertise", "interests")


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# --- Writing ----------------------------------------------------------------------------------


def write(profile_id: int, fields: dict[str, str]) -> None:
    """Replace the indexed text of one profile (its SearchDocument row must exist)."""
    write_many([(profile_id, fields)])


def write_many(rows: Sequence[tuple[int, dict[str, str]]]) -> None:
    """Replace the indexed text of several profiles (their SearchDocument rows must exist)."""
    if not rows:
        return
    values = [[fields.get(name, "") for name in FIELDS] for _, fields in rows]
    with connection.cursor() as cursor:
        if is_postgres():
            parts = " || ".join(
                f"setweight(to_tsvector('simple', %s), '{PG_WEIGHT[name]}')" for name in FIELDS
            )
            cursor.executemany(
                f"UPDATE discovery_searchdocument SET search_vector = {parts} "  # noqa: S608  # nosec B608
                "WHERE profile_id = %s",
                [[*v, pid] for v, (pid, _) in zip(values, rows, strict=True)],
            )
        else:
            cursor.executemany(
                "DELETE FROM discovery_fts WHERE rowid = %s", [[pid] for pid, _ in rows]
            )
            columns = ", ".join(FIELDS)
            marks = ", ".join(["%s"] * (len(FIELDS) + 1))
            cursor.executemany(
                f"INSERT INTO discovery_fts (rowid, {columns}) VALUES ({marks})",  # noqa: S608  # nosec B608
                [[pid, *v] for v, (pid, _) in zip(values, rows, strict=True)],
            )


def delete(profile_ids: Iterable[int]) -> None:
    ids = list(profile_ids)
    if not ids or is_postgres():  # on PostgreSQL the vector goes with its SearchDocument row
        return
    with connection.cursor() as cursor:
        cursor.executemany("DELETE FROM discovery_fts WHERE rowid = %s", [[i] for i in ids])


def clear() -> None:
    if not is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM discovery_fts")


# --- Queries ----------------------------------------------------------------------------------


def _fts5_any(words: Sequence[str]) -> str:
    # Words are [^\W_]+ after normalising, so quoting cannot be broken out of; quotes also
    # stop FTS5 from reading words such as "and"/"or"/"near" as operators.
    return "(" + " OR ".join(f'"{w}"*' for w in words) + ")"


def _tsquery_any(words: Sequence[str]) -> str:
    return "(" + " | ".join(f"'{w}':*" for w in words) + ")"


def _expression(groups: Sequence[Sequence[str]], fields: Sequence[str] | None) -> str:
    """AND across groups, OR within a group, every word a prefix."""
    if is_postgres():
        return " & ".join(_tsquery_any(g) for g in groups)
    expression = " AND ".join(_fts5_any(g) for g in groups)
    if fields:
        expression = "{" + " ".join(fields) + "} : (" + expression + ")"
    return expression


def term_groups(terms: Sequence[Term]) -> list[list[str]]:
    return [[t.word, *t.alternatives] for t in terms]


def _pg_vector(fields: Sequence[str] | None) -> str:
    """PostgreSQL: the search vector, cut down to the weights of `fields` when given."""
    if not fields:
        return "search_vector"
    weights = ",".join(sorted({PG_WEIGHT[f].lower() for f in fields}))
    return f"ts_filter(search_vector, '{{{weights}}}')"


def _bm25_weights() -> str:
    """SQLite: bm25()'s per-column weights, in the FTS table's column order."""
    return ", ".join(str(BM25_WEIGHTS[name]) for name in FIELDS)


def match_sql(groups: Sequence[Sequence[str]], fields: Sequence[str] | None = None):
    """(sql, params) of `SELECT <profile id> ...` for profiles matching every group, for use as
    `pk__in=RawSQL(sql, params)`. `fields` restricts matching to those fields."""
    expression = _expression(groups, fields)
    if is_postgres():
        vector = _pg_vector(fields)
        sql = (
            "SELECT profile_id FROM discovery_searchdocument "
            "WHERE search_vector @@ to_tsquery('simple', %s)"
        )
        if fields:
            sql += f" AND {vector} @@ to_tsquery('simple', %s)"
            return sql, (expression, expression)
        return sql, (expression,)
    return "SELECT rowid FROM discovery_fts WHERE discovery_fts MATCH %s", (expression,)


def matching_ids(groups: Sequence[Sequence[str]], fields: Sequence[str] | None = None) -> list[int]:
    """Ids of the profiles matching every group (unordered)."""
    sql, params = match_sql(groups, fields)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def ranked_ids(groups: Sequence[Sequence[str]], fields: Sequence[str] | None = None) -> list[int]:
    """Ids of every profile matching `groups`, best first (ties by id): the same order as
    ranked_page, for the directory to cut its filtered results from (snapshot.py). `fields`
    restricts matching (and ranking) to those fields, as match_sql does."""
    expression = _expression(groups, fields)
    if is_postgres():
        vector = _pg_vector(fields)
        sql = (
            "SELECT profile_id FROM discovery_searchdocument, to_tsquery('simple', %s) query "  # noqa: S608  # nosec B608
            f"WHERE search_vector @@ query AND {vector} @@ query "
            f"ORDER BY ts_rank({vector}, query) DESC, profile_id"
        )
    else:
        weights = _bm25_weights()
        sql = (
            f"SELECT rowid FROM discovery_fts WHERE discovery_fts MATCH %s "  # noqa: S608  # nosec B608
            f"ORDER BY bm25(discovery_fts, {weights}), rowid"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [expression])
        return [row[0] for row in cursor.fetchall()]


def ranked_page(
    groups: Sequence[Sequence[str]], within: tuple[str, Sequence], limit: int, offset: int
) -> list[int]:
    """Profile ids matching `groups` and inside the `within` subquery, best first."""
    expression = _expression(groups, None)
    within_sql, within_params = within
    if is_postgres():
        sql = (
            "SELECT profile_id FROM discovery_searchdocument, to_tsquery('simple', %s) query "  # noqa: S608  # nosec B608
            f"WHERE search_vector @@ query AND profile_id IN ({within_sql}) "
            "ORDER BY ts_rank(search_vector, query) DESC, profile_id LIMIT %s OFFSET %s"
        )
    else:
        weights = _bm25_weights()
        # MATERIALIZED: without it SQLite runs the MATCH once per candidate rowid (seconds at
        # 20k mentors); with it the index is read once and the filters probe the hits.
        sql = (
            "WITH hits AS MATERIALIZED ("  # noqa: S608  # nosec B608
            f"SELECT rowid AS id, bm25(discovery_fts, {weights}) AS rank FROM discovery_fts "
            "WHERE discovery_fts MATCH %s) "
            f"SELECT id FROM hits WHERE id IN ({within_sql}) ORDER BY rank, id LIMIT %s OFFSET %s"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [expression, *within_params, limit, offset])
        return [row[0] for row in cursor.fetchall()]


def id_set(ids: Sequence[int]):  # type: ignore[no-untyped-def]
    """Q for `pk in ids` passed as ONE parameter (a JSON array / a bigint array): compiling
    hundreds of placeholders per facet query costs more than running it."""
    from django.db.models import Q
    from django.db.models.expressions import RawSQL

    if is_postgres():
        return Q(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [list(ids)]))
    return Q(pk__in=RawSQL("SELECT value FROM json_each(%s)", [json.dumps(list(ids))]))


# --- Vocabulary for typo tolerance -------------------------------------------------------------

_VOCAB_TTL_SECONDS = 60.0
_vocab: dict[str, object] = {"words": [], "count": -1, "loaded": 0.0, "database": None}


def vocabulary() -> list[str]:
    """All indexed words, sorted. Held per process and reloaded when the table's size changed
    (checked at most once a second) or after a minute, so a rebuild elsewhere is seen soon;
    this process's own writes reset it at once (forget_vocabulary)."""
    now = time.monotonic()
    database = str(connection.settings_dict["NAME"])
    age = now - float(_vocab["loaded"])  # type: ignore[arg-type]
    if age < 1.0 and _vocab["database"] == database:
        return _vocab["words"]  # type: ignore[return-value]
    count = SearchTerm.objects.count()
    if count != _vocab["count"] or age > _VOCAB_TTL_SECONDS or _vocab["database"] != database:
        _vocab["words"] = sorted(SearchTerm.objects.values_list("term", flat=True))
        _vocab["count"] = count
    _vocab["loaded"] = now
    _vocab["database"] = database
    return _vocab["words"]  # type: ignore[return-value]


def forget_vocabulary() -> None:
    _vocab.update(words=[], count=-1, loaded=0.0, database=None)


def has_prefix(words: list[str], prefix: str) -> bool:
    i = bisect.bisect_left(words, prefix)
    return i < len(words) and words[i].startswith(prefix)


def spelling_candidates(words: list[str], word: str) -> list[str]:
    """Indexed words that could be `word` mistyped: same first letter (typos rarely hit it)."""
    lo = bisect.bisect_left(words, word[0])
    hi = bisect.bisect_left(words, chr(ord(word[0]) + 1))
    return words[lo:hi]
