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
POST_ORDER = {"newest": "p.created_at DESC, p.id DESC", "votes": "p.score DESC, p.created_at DESC"}
POST = Post._meta.db_table
POST_TAGS = Post.tags.through._meta.db_table
TAG = Tag._meta.db_table
MAX_ANSWERS_CHARS = 200_000  # a tsvector must stay under 1 MB; no thread is this long
# Counting stops here ("more than 1,000 questions found"): counting every match of a
# common word would cost more than finding the page of them people read.
COUNT_CAP = 1000
# PostgreSQL, newest or most voted with more than COUNT_CAP matches: the first pages
# (up to this many results) come from walking the posts in order (walk_sql).
WALK_MAX = 100


@dataclass(frozen=True)
class Filters:
    category_ids: tuple[int, ...] = ()
    tag: str = ""
    accepted: bool = False  # has a best answer
    unanswered: bool = False
    since: datetime | None = None
    until: datetime | None = None

    def __bool__(self) -> bool:
        return any(
            (self.category_ids, self.tag, self.accepted, self.unanswered, self.since, self.until)
        )

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

    def document_sql(self, where: str = "") -> str:
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
            f" AND p.state = '{Post.State.PUBLISHED}' {where}"
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

    def matches_sql(self, query: Query, filters: Filters, columns: str) -> tuple[str, list[Any]]:
        """SELECT `columns` of the matching questions that pass the filters (`d` is the
        index, `p` the post when a filter needs it), in no order.

        The index holds exactly the published questions (refresh_question keeps it so
        in every write's transaction), so without filters no post is read.
        """
        raise NotImplementedError

    def page_sql(
        self, query: Query, filters: Filters, sort: str, counted: bool
    ) -> tuple[str, list[Any]]:
        """Ids in the order of `sort`, ranked after filtering, then "LIMIT %s OFFSET %s".

        `counted` adds a second column: the number of matches, the same on every row
        (counted no further than COUNT_CAP + 1 where counting means extra work).
        """
        raise NotImplementedError

    def count_sql(self, query: Query, filters: Filters) -> tuple[str, list[Any]]:
        sql, params = self.matches_sql(query, filters, "1")
        return f"SELECT COUNT(*) FROM ({sql} LIMIT {COUNT_CAP + 1}) capped", params

    def count(self, query: Query, filters: Filters) -> int:
        """How many questions match, counted no further than COUNT_CAP + 1."""
        if not query:
            return 0
        return int(_fetch(*self.count_sql(query, filters))[0][0])

    def search(
        self, query: Query, filters: Filters, sort: str, limit: int, offset: int = 0
    ) -> list[int]:
        """Ids of matching published questions, best first, one page of them."""
        if not query:
            return []
        sql, params = self.page_sql(query, filters, sort, counted=False)
        return [row[0] for row in _fetch(sql, [*params, limit, offset])]

    def search_page(
        self, query: Query, filters: Filters, sort: str, limit: int, offset: int = 0
    ) -> tuple[int | None, list[int]]:
        """One page of ids and the number of matches (capped), in one query.

        The count is None when the page is past the end (no row to carry it).
        """
        if not query:
            return 0, []
        sql, params = self.page_sql(query, filters, sort, counted=True)
        rows = _fetch(sql, [*params, limit, offset])
        return (int(rows[0][1]) if rows else None), [row[0] for row in rows]

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
        return "INSERT INTO search_document (rowid, title, body, answers) " + self.document_sql(
            "AND p.id = %s" if one else ""
        )

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

    def matches_sql(self, query: Query, filters: Filters, columns: str) -> tuple[str, list[Any]]:
        sql = f"SELECT {columns} FROM search_document d"
        if not filters:
            return f"{sql} WHERE d.search_document MATCH %s", [self.match_all(query)]
        where, params = filters.sql()
        # CROSS JOIN fixes SQLite's join order: the full-text match first, then each
        # hit's post by primary key. Left to itself, the planner may scan the posts
        # and run the MATCH once per post, which is a thousand times slower.
        sql += (
            f" CROSS JOIN {POST} p WHERE d.search_document MATCH %s AND p.id = d.rowid AND {where}"
        )
        return sql, [self.match_all(query), *params]

    def page_sql(
        self, query: Query, filters: Filters, sort: str, counted: bool
    ) -> tuple[str, list[Any]]:
        page = " LIMIT %s OFFSET %s"
        if filters and sort not in POST_ORDER:
            # With filters every match's post is read anyway: bm25 (in the ORDER BY) is
            # computed only for the rows they keep, and the count comes from the same pass.
            columns = "d.rowid, COUNT(*) OVER ()" if counted else "d.rowid"
            sql, params = self.matches_sql(query, filters, columns)
            return f"{sql} ORDER BY d.rank, d.rowid DESC{page}", params
        count_sql, count_params = self.count_sql(query, filters) if counted else ("", [])
        count = f", ({count_sql})" if counted else ""
        if sort in POST_ORDER:
            # Newest or most voted: walk the posts' (kind, state, created_at or score)
            # index and keep the first that are among the matches, rather than read
            # the post of every match to sort them all.
            where, params = filters.sql()
            return (
                f"SELECT p.id{count} FROM {POST} p WHERE {where} AND p.id IN"
                " (SELECT rowid FROM search_document WHERE search_document MATCH %s)"
                f" ORDER BY {POST_ORDER[sort]}{page}",
                [*count_params, *params, self.match_all(query)],
            )
        # FTS5 ranks every match by bm25 itself, reading no post; the count stops at the cap.
        sql, params = self.matches_sql(query, filters, f"d.rowid{count}")
        return f"{sql} ORDER BY d.rank, d.rowid DESC{page}", [*count_params, *params]

    def explain(self, query: Query, filters: Filters, sort: str = "relevance") -> str:
        sql, params = self.page_sql(query, filters, sort, counted=True)
        rows = _fetch(f"EXPLAIN QUERY PLAN {sql}", [*params, 20, 0])
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
        # Only the vectors are stored: snippets are cut from the posts themselves.
        return (
            "INSERT INTO search_document (question_id, title_vector, document)"
            " SELECT id, to_tsvector('english', title),"
            " setweight(to_tsvector('english', title), 'A')"
            " || setweight(to_tsvector('english', body), 'B')"
            " || setweight(to_tsvector('english', answers), 'C')"
            f" FROM ({self.document_sql('AND p.id = %s' if one else '')}) doc"
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

    def matches_sql(self, query: Query, filters: Filters, columns: str) -> tuple[str, list[Any]]:
        tsquery, tsparams = self.tsquery_all(query)
        if not filters:
            return (
                f"SELECT {columns} FROM search_document d WHERE d.document @@ {tsquery}",
                tsparams,
            )
        where, params = filters.sql()
        sql = (
            f"SELECT {columns} FROM search_document d JOIN {POST} p ON p.id = d.question_id"
            f" WHERE d.document @@ {tsquery} AND {where}"
        )
        return sql, [*tsparams, *params]

    def page_sql(
        self, query: Query, filters: Filters, sort: str, counted: bool
    ) -> tuple[str, list[Any]]:
        tsquery, tsparams = self.tsquery_all(query)
        page = " LIMIT %s OFFSET %s"
        count = ", COUNT(*) OVER ()" if counted else ""
        if sort in POST_ORDER:
            # MATERIALIZED keeps the GIN lookup first: left to itself, the planner may
            # walk every question in date order testing each document. search_page
            # walks on purpose when the matches are many (walk_sql).
            where, params = filters.sql()
            return (
                "WITH matches AS MATERIALIZED (SELECT question_id FROM search_document"
                f" WHERE document @@ {tsquery}) SELECT p.id{count} FROM matches m"
                f" JOIN {POST} p ON p.id = m.question_id WHERE {where}"
                f" ORDER BY {POST_ORDER[sort]}{page}",
                [*tsparams, *params],
            )
        # ts_rank (in the ORDER BY) is computed only for the rows the filters keep.
        order = f" ORDER BY ts_rank(d.document, {tsquery}, 1) DESC, d.question_id DESC{page}"
        if not filters and counted:
            # Every match is ranked; the count stops at the cap.
            cap_sql, cap_params = self.count_sql(query, filters)
            sql, params = self.matches_sql(query, filters, f"d.question_id, ({cap_sql})")
            return sql + order, [*cap_params, *params, *tsparams]
        sql, params = self.matches_sql(query, filters, f"d.question_id{count}")
        return sql + order, [*params, *tsparams]

    def walk_sql(self, query: Query, filters: Filters, sort: str) -> tuple[str, list[Any]]:
        """Newest or most voted, when more than COUNT_CAP questions match: walk the
        posts' (kind, state, created_at or score) index, testing each one's document,
        until the page is full: (offset + limit) × questions ÷ matches documents read,
        not every match's post."""
        tsquery, tsparams = self.tsquery_all(query)
        where, params = filters.sql()
        return (
            f"SELECT p.id FROM {POST} p WHERE {where} AND (SELECT d.document @@ {tsquery}"
            " FROM search_document d WHERE d.question_id = p.id)"
            f" ORDER BY {POST_ORDER[sort]} LIMIT %s OFFSET %s",
            [*params, *tsparams],
        )

    def search_page(
        self, query: Query, filters: Filters, sort: str, limit: int, offset: int = 0
    ) -> tuple[int | None, list[int]]:
        if sort not in POST_ORDER or not query:
            return super().search_page(query, filters, sort, limit, offset)
        total = self.count(query, filters)
        if total <= COUNT_CAP or offset + limit > WALK_MAX:
            return total, self.search(query, filters, sort, limit, offset)
        sql, params = self.walk_sql(query, filters, sort)
        return total, [row[0] for row in _fetch(sql, [*params, limit, offset])]

    def explain(self, query: Query, filters: Filters, sort: str = "relevance") -> str:
        sql, params = self.page_sql(query, filters, sort, counted=True)
        rows = _fetch(f"EXPLAIN {sql}", [*params, 20, 0])
        return "\n".join(str(row[0]) for row in rows)

    def snippets(self, query: Query, ids: list[int]) -> dict[int, str]:
        if not query or not ids:
            return {}
        tsquery, tsparams = self.tsquery_all(query)
        options = (
            f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12,"
            ' MaxFragments=2, FragmentDelimiter=" … "'
        )
        # The text of just this page's questions, from the posts: ts_headline parses
        # what it is given, so it is given no more than it needs.
        rows = _fetch(
            "SELECT id, ts_headline('english', body || ' ' || LEFT(answers, 20000),"
            f" {tsquery}, %s) FROM ({self.document_sql('AND p.id = ANY(%s)')}) doc",
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
