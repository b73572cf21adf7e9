"""The search index: one document per published question.

SQLite gets an FTS5 virtual table (Porter stemming over unicode61), PostgreSQL a
table of weighted tsvectors with GIN indexes. Neither is a Django model: only
mindwell/search/engine.py reads or writes them, in SQL written for each engine.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE search_document USING fts5("
    "title, body, answers, tokenize = 'porter unicode61 remove_diacritics 2')",
    # Relevance: a word in the title counts more than in the question body (with
    # its tags), which counts more than in the answers and comments.
    "INSERT INTO search_document(search_document, rank) VALUES ('rank', 'bm25(10.0, 4.0, 1.0)')",
]
POSTGRES_CREATE = [
    # No foreign key to qa_post: Django empties tables between transactional tests
    # with TRUNCATE, which a reference from this unmanaged table would refuse. Rows
    # leave with their question through search.index.refresh_question (and search
    # joins qa_post, so a stray row could never be shown).
    "CREATE TABLE search_document ("
    " question_id bigint PRIMARY KEY,"
    " title text NOT NULL,"
    " body text NOT NULL,"
    " answers text NOT NULL,"
    " title_vector tsvector NOT NULL,"
    " document tsvector NOT NULL)",
    "CREATE INDEX search_document_gin ON search_document USING gin (document)",
    "CREATE INDEX search_document_title_gin ON search_document USING gin (title_vector)",
]


def create(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}.get(vendor)
    if statements is None:
        raise RuntimeError(f"Mindwell's search supports SQLite and PostgreSQL, not {vendor}.")
    for sql in statements:
        schema_editor.execute(sql)
    # Index what a database already holds (the demo content, a site upgrading).
    # PostgreSQL's table is reshaped by 0002, which fills it.
    if vendor == "sqlite":
        from mindwell.search.index import rebuild

        rebuild()


def drop(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    schema_editor.execute("DROP TABLE IF EXISTS search_document")


class Migration(migrations.Migration):
    dependencies = [("qa", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
