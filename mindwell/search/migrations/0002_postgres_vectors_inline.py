"""PostgreSQL: keep only the vectors in search_document, stored inline and uncompressed.

Ranking reads the document vector of every match. Stored beside the question's
text, most vectors went to the TOAST table, compressed: ranking the 7,000
matches of a common word at 100,000 questions meant 30,000 buffer reads and as
many decompressions. Alone in the row (toast_tuple_target raised, storage MAIN)
a vector is read with its row. Snippets are cut from the posts instead. SQLite's
FTS5 table is unchanged.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

POSTGRES_CREATE = [
    "DROP TABLE search_document",
    # No foreign key to qa_post, as before (see 0001).
    "CREATE TABLE search_document ("
    " question_id bigint PRIMARY KEY,"
    " title_vector tsvector NOT NULL,"
    " document tsvector NOT NULL)"
    " WITH (toast_tuple_target = 8160)",
    "ALTER TABLE search_document ALTER COLUMN title_vector SET STORAGE MAIN,"
    " ALTER COLUMN document SET STORAGE MAIN",
    "CREATE INDEX search_document_gin ON search_document USING gin (document)",
    "CREATE INDEX search_document_title_gin ON search_document USING gin (title_vector)",
]
POSTGRES_DROP = [
    "DROP TABLE search_document",
    "CREATE TABLE search_document ("
    " question_id bigint PRIMARY KEY, title text NOT NULL, body text NOT NULL,"
    " answers text NOT NULL, title_vector tsvector NOT NULL, document tsvector NOT NULL)",
    "CREATE INDEX search_document_gin ON search_document USING gin (document)",
    "CREATE INDEX search_document_title_gin ON search_document USING gin (title_vector)",
]


def inline(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in POSTGRES_CREATE:
        schema_editor.execute(sql)
    from mindwell.search.index import rebuild

    rebuild()


def back(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    # The older table, empty: the older code's `mindwell reindex` fills it.
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_search_document")]
    operations = [migrations.RunPython(inline, back)]
