"""The search index behind one interface, with an engine for each database.

`engine()` picks by `connection.vendor`: SQLite's FTS5 (bm25 with Porter stemming)
on the embedded default, PostgreSQL's full-text search (weighted tsvectors with
GIN indexes, the `english` configuration) in production. Both index ONE
document per published question: its title (weight A), its body and tags (B),
and its published answers and comments (C). Nothing here decides who may see a
result: callers read the returned ids through `Post.objects.visible_to(user)`.

User text reaches SQL only as bound parameters, and only as the sanitized words
and phrases of `query.parse`; on SQLite every term is quoted, on PostgreSQL
each becomes a plainto_tsquery/phraseto_tsquery, so no query syntax is ever
interpreted.
"""

# S608: the SQL strings below interpolate only constants (table names, states,
# column lists, "%s" placeholders); every value from a person is a bound parameter.
# ruff: noqa: S608
from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from django.db import connection

from mindwell.qa.models import Post, Tag
from mindwell.search.query import Query

START, STOP = "\ue000", "\ue001"  # private-use marks around matches in snippets
SORTS = ("relevance", "newest", "votes")
POST = Post._meta.db_table
POST_TAGS = Post.tags.through._meta.db_table
TAG = Tag._meta.db_table
MAX_ANSWERS_CHARS = 200_000  # a tsvector must stay under 1 MB; no thread is this long


@dataclass(frozen=True)
class Filters:
    category_ids: tuple[int, ...] = ()
    tag: str = ""
    accepted: bool = False  # has a best answer
    unanswered: bool = False
    since: datetime | None = None
    until: datetime | None = None

    def sql(self) -> tuple[str, list[Any]]:
        conds = [f"p.kind = '{Post.Kind.QUESTION}'", f"p.state = '{Post.State.PUBLISHED}'"]
        params: list[Any] = []
        if self.category_ids:
            conds.append(f"p.category_id IN ({', '.join(['%s'] * len(self.category_ids))})")
            params.extend(self.category_ids)
        if self.tag:
            conds.append(
                f"EXISTS (SELECT 1 FROM {POST_TAGS} pt JOIN {TAG} t ON t.id = pt.tag_id"
                " WHERE pt.post_id = p.id AND t.name = %s)"
            )
            params.append(self.tag)
        if self.accepted:
            conds.append("p.accepted_answer_id IS NOT NULL")
        if self.unanswered:
            conds.append("p.answer_count = 0")
        if self.since is not None:
            conds.append("p.created_at >= %s")
            params.append(connection.ops.adapt_datetimefield_value(self.since))
        if self.until is not None:
            conds.append("p.created_at < %s")
            params.append(connection.ops.adapt_datetimefield_value(self.until))
        return " AND ".join(conds), params


def highlight(snippet: str) -> str:
    """Escape a snippet and turn the engine's private marks into <mark> elements, balanced."""
    pieces = snippet.split(START)
    out = [html.escape(pieces[0].replace(STOP, ""))]
    for piece in pieces[1:]:
        marked, stop, rest = piece.partition(STOP)
        if not stop:
            out.append(html.escape(marked))
            continue
        out.append(f"<mark>{html.escape(marked)}</mark>{html.escape(rest.replace(STOP, ''))}")
    return "".join(out)


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _execute(sql: str, params: list[Any] | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return int(cursor.rowcount)


class Engine:
    """What every engine offers; the SQL differs, the meaning does not."""

    name: ClassVar[str]
    key: ClassVar[str]  # the index table's question-id column
    concat: ClassVar[str]  # string aggregate: group_concat / string_agg

    def document_sql(self, one: bool) -> str:
        """(id, title, body with tags, answers and comments) of published questions."""
        agg = self.concat
        return (
            f"SELECT p.id, p.title,"
            f" p.body || ' ' || COALESCE((SELECT {agg}(t.name, ' ') FROM {POST_TAGS} pt"
            f"  JOIN {TAG} t ON t.id = pt.tag_id WHERE pt.post_id = p.id), '') AS body,"
            f" SUBSTR(COALESCE((SELECT {agg}(a.body, ' ') FROM {POST} a"
            f"  JOIN {POST} par ON par.id = a.parent_id"
            f"  WHERE a.question_id = p.id AND a.state = '{Post.State.PUBLISHED}'"
            f"  AND par.state = '{Post.State.PUBLISHED}'), ''), 1, {MAX_ANSWERS_CHARS}) AS answers"
            f" FROM {POST} p WHERE p.kind = '{Post.Kind.QUESTION}'"
            f" AND p.state = '{Post.State.PUBLISHED}'" + (" AND p.id = %s" if one else "")
        )

    # -- writing: both run inside the caller's transaction --------------------------

    def refresh(self, question_id: int) -> None:
        """Rebuild one question's document from its thread, or drop it if it is not published."""
        _execute(f"DELETE FROM search_document WHERE {self.key} = %s", [question_id])
        _execute(self.insert_sql(one=True), [question_id])

    def rebuild(self) -> int:
        raise NotImplementedError

    def insert_sql(self, one: bool) -> str:
        raise NotImplementedError

    # -- reading ------------------------------------------------------------------

    def search_sql(self, query: Query, filters: Filters, sort: str) -> tuple[str, list[Any]]:
        raise NotImplementedError

    def count(self, query: Query, filters: Filters) -> int:
        if not query:
            return 0
        sql, params = self.search_sql(query, filters, "none")
        return int(_fetch(f"SELECT COUNT(*) FROM ({sql}) hits", params)[0][0])

    def search(
        self, query: Query, filters: Filters, sort: str, limit: int, offset: int = 0
    ) -> list[int]:
        """Ids of matching published questions, best first, one page of them."""
        if not query:
            return []
        sql, params = self.search_sql(query, filters, sort)
        return [row[0] for row in _fetch(f"{sql} LIMIT %s OFFSET %s", [*params, limit, offset])]

    def search_page(
        self, query: Query, filters: Filters, sort: str, limit: int, offset: int = 0
    ) -> tuple[int | None, list[int]]:
        """One page of ids and the number of all matches, from one pass over the index.

        The count is None when the page is past the end (no row to carry it).
        """
        if not query:
            return 0, []
        sql, params = self.search_sql(query, filters, sort)
        rows = _fetch(
            f"SELECT hits.*, COUNT(*) OVER () FROM ({sql}) hits LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )
        return (int(rows[0][-1]) if rows else None), [row[0] for row in rows]

    def explain(self, query: Query, filters: Filters, sort: str = "relevance") -> str:
        raise NotImplementedError

    def snippets(self, query: Query, ids: list[int]) -> dict[int, str]:
        """A short passage of each question's text around the words found, as safe HTML."""
        raise NotImplementedError

    def similar(self, query: Query, limit: int, exclude: int | None = None) -> list[int]:
        """Questions whose titles share any of these words, best first."""
        raise NotImplementedError

    def related(self, query: Query, category_id: int | None, exclude: int, limit: int) -> list[int]:
        """Questions sharing words of a title and its tags, those in the same category first."""
        raise NotImplementedError


def _fts_term(words: tuple[str, ...] | list[str]) -> str:
    # Words hold only letters and digits (query.WORD_RE), so quoting makes them
    # plain strings to FTS5: never NEAR, AND, *, ^ or a column filter.
    return '"' + " ".join(words) + '"'


class SqliteEngine(Engine):
    name = "SQLite FTS5 (bm25, porter unicode61)"
    key = "rowid"
    concat = "group_concat"

    def insert_sql(self, one: bool) -> str:
        return "INSERT INTO search_document (rowid, title, body, answers) " + self.document_sql(one)

    def rebuild(self) -> int:
        _execute("DELETE FROM search_document")
        count = _execute(self.insert_sql(one=False))
        _execute("INSERT INTO search_document(search_document) VALUES ('optimize')")
        return count

    @staticmethod
    def match_all(query: Query) -> str:
        return " ".join(
            [_fts_term([w]) for w in query.words] + [_fts_term(p) for p in query.phrases]
        )

    @staticmethod
    def match_any(words: list[str], columns: str = "") -> str:
        terms = " OR ".join(_fts_term([w]) for w in words)
        return f"{{{columns}}} : ({terms})" if columns else terms

    def search_sql(self, query: Query, filters: Filters, sort: str) -> tuple[str, list[Any]]:
        where, params = filters.sql()
        order = {
            "relevance": " ORDER BY d.rank, p.id DESC",
            "newest": " ORDER BY p.created_at DESC, p.id DESC",
            "votes": " ORDER BY p.score DESC, p.created_at DESC",
        }.get(sort, "")
        # CROSS JOIN fixes SQLite's join order: the full-text match first, then each
        # hit's post by primary key. Left to itself, the planner may scan the posts
        # and run the MATCH once per post, which is a thousand times slower.
        sql = (
            f"SELECT d.rowid FROM search_document d CROSS JOIN {POST} p"
            f" WHERE d.search_document MATCH %s AND p.id = d.rowid AND {where}{order}"
        )
        return sql, [self.match_all(query), *params]

    def explain(self, query: Query, filters: Filters, sort: str = "relevance") -> str:
        sql, params = self.search_sql(query, filters, sort)
        rows = _fetch(f"EXPLAIN QUERY PLAN {sql} LIMIT 20", params)
        return "\n".join(str(row[-1]) for row in rows)

    def snippets(self, query: Query, ids: list[int]) -> dict[int, str]:
        if not query or not ids:
            return {}
        marks = [START, STOP, "…", 28]
        rows = _fetch(
            "SELECT rowid, snippet(search_document, 1, %s, %s, %s, %s),"
            " snippet(search_document, 2, %s, %s, %s, %s) FROM search_document"
            f" WHERE search_document MATCH %s AND rowid IN ({', '.join(['%s'] * len(ids))})",
            [*marks, *marks, self.match_all(query), *ids],
        )
        return {
            pk: highlight(answers if START in answers and START not in body else body)
            for pk, body, answers in rows
        }

    def similar(self, query: Query, limit: int, exclude: int | None = None) -> list[int]:
        if not query.terms:
            return []
        rows = _fetch(
            "SELECT rowid FROM search_document WHERE search_document MATCH %s"
            " AND rowid != %s ORDER BY rank LIMIT %s",
            [self.match_any(query.terms, "title"), exclude or 0, limit],
        )
        return [row[0] for row in rows]

    def related(self, query: Query, category_id: int | None, exclude: int, limit: int) -> list[int]:
        if not query.terms:
            return []
        # bm25 is negative, lower is better: the same category makes it half again better.
        rows = _fetch(
            f"SELECT d.rowid FROM search_document d CROSS JOIN {POST} p"
            " WHERE d.search_document MATCH %s AND p.id = d.rowid AND d.rowid != %s"
            " ORDER BY d.rank * (CASE WHEN p.category_id = %s THEN 1.5 ELSE 1.0 END) LIMIT %s",
            [self.match_any(query.terms, "title body"), exclude, category_id or 0, limit],
        )
        return [row[0] for row in rows]


class PostgresEngine(Engine):
    name = "PostgreSQL full-text search (english, ts_rank over A/B/C weights, GIN)"
    key = "question_id"
    concat = "string_agg"

    def insert_sql(self, one: bool) -> str:
        return (
            "INSERT INTO search_document"
            " (question_id, title, body, answers, title_vector, document)"
            " SELECT id, title, body, answers, to_tsvector('english', title),"
            " setweight(to_tsvector('english', title), 'A')"
            " || setweight(to_tsvector('english', body), 'B')"
            " || setweight(to_tsvector('english', answers), 'C')"
            f" FROM ({self.document_sql(one)}) doc"
        )

    def rebuild(self) -> int:
        _execute("DELETE FROM search_document")
        count = _execute(self.insert_sql(one=False))
        _execute("ANALYZE search_document")
        return count

    @staticmethod
    def tsquery_all(query: Query) -> tuple[str, list[Any]]:
        parts, params = [], []
        if query.words:
            parts.append("plainto_tsquery('english', %s)")
            params.append(" ".join(query.words))
        for phrase in query.phrases:
            parts.append("phraseto_tsquery('english', %s)")
            params.append(" ".join(phrase))
        return "(" + " && ".join(parts) + ")", params

    @staticmethod
    def tsquery_any(words: list[str], weights: str = "") -> tuple[str, list[Any]]:
        if weights:
            # Words hold only letters and digits, so quoted they are plain lexemes to
            # to_tsquery; `:AB` keeps the match to the title, body and tags.
            text = " | ".join(f"'{w}':{weights}" for w in words)
            return "to_tsquery('english', %s)", [text]
        return "(" + " || ".join(["plainto_tsquery('english', %s)"] * len(words)) + ")", words

    def search_sql(self, query: Query, filters: Filters, sort: str) -> tuple[str, list[Any]]:
        where, params = filters.sql()
        tsquery, tsparams = self.tsquery_all(query)
        order = {
            "relevance": " ORDER BY rank DESC, p.id DESC",
            "newest": " ORDER BY p.created_at DESC, p.id DESC",
            "votes": " ORDER BY p.score DESC, p.created_at DESC",
        }.get(sort, "")
        rank = f"ts_rank(document, {tsquery}, 1)" if sort == "relevance" else "0"
        # MATERIALIZED keeps the GIN lookup first. Otherwise, sorting by date or votes,
        # the planner may walk every question in index order and test each document,
        # a hundred times slower for a common word.
        sql = (
            f"WITH matches AS MATERIALIZED (SELECT question_id, {rank} AS rank"
            f" FROM search_document WHERE document @@ {tsquery})"
            f" SELECT d.question_id, d.rank FROM matches d"
            f" JOIN {POST} p ON p.id = d.question_id WHERE {where}{order}"
        )
        return sql, [*(tsparams if sort == "relevance" else []), *tsparams, *params]

    def explain(self, query: Query, filters: Filters, sort: str = "relevance") -> str:
        sql, params = self.search_sql(query, filters, sort)
        rows = _fetch(f"EXPLAIN {sql} LIMIT 20", params)
        return "\n".join(str(row[0]) for row in rows)

    def snippets(self, query: Query, ids: list[int]) -> dict[int, str]:
        if not query or not ids:
            return {}
        tsquery, tsparams = self.tsquery_all(query)
        options = (
            f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12,"
            ' MaxFragments=2, FragmentDelimiter=" … "'
        )
        rows = _fetch(
            "SELECT question_id, ts_headline('english', body || ' ' || LEFT(answers, 20000),"
            f" {tsquery}, %s) FROM search_document WHERE question_id = ANY(%s)",
            [*tsparams, options, list(ids)],
        )
        return {pk: highlight(text) for pk, text in rows}

    def similar(self, query: Query, limit: int, exclude: int | None = None) -> list[int]:
        if not query.terms:
            return []
        tsquery, params = self.tsquery_any(query.terms)
        rows = _fetch(
            f"SELECT question_id FROM search_document WHERE title_vector @@ {tsquery}"
            f" AND question_id != %s ORDER BY ts_rank(title_vector, {tsquery}) DESC LIMIT %s",
            [*params, exclude or 0, *params, limit],
        )
        return [row[0] for row in rows]

    def related(self, query: Query, category_id: int | None, exclude: int, limit: int) -> list[int]:
        if not query.terms:
            return []
        tsquery, params = self.tsquery_any(query.terms, weights="AB")
        rows = _fetch(
            f"SELECT d.question_id FROM search_document d JOIN {POST} p ON p.id = d.question_id"
            f" WHERE d.document @@ {tsquery} AND d.question_id != %s"
            f" ORDER BY ts_rank(d.document, {tsquery})"
            " * (CASE WHEN p.category_id = %s THEN 1.5 ELSE 1.0 END) DESC LIMIT %s",
            [*params, exclude, *params, category_id or 0, limit],
        )
        return [row[0] for row in rows]


ENGINES: dict[str, type[Engine]] = {"sqlite": SqliteEngine, "postgresql": PostgresEngine}


def engine() -> Engine:
    try:
        return ENGINES[connection.vendor]()
    except KeyError:
        raise RuntimeError(
            f"Search supports SQLite and PostgreSQL, not {connection.vendor}"
        ) from None
