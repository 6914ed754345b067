"""A stored search document for cases (PostgreSQL only), indexed by ``portal_case_fts``.

Migration 0002 indexed the expression ``to_tsvector('danish', title || ' ' || description)``.
With a year of cases (~706,000) PostgreSQL then recomputed that expression for every row it
looked at: ~5-8 µs a row, which made a search for a common word, or for a word found only in
cases the user may not see, take seconds. The column ``search_document`` is generated from
the same expression and stored, so reading it costs next to nothing; the GIN index keeps its
name and now covers the column. ``selectors.case_search_vector`` reads the column.

Adding the column rewrites the table once (about 10-20 s for a year of cases). The model
does not declare the column (SQLite has no ``tsvector``); PostgreSQL fills it on every
insert and update. On SQLite the migration does nothing (search uses stems and
``icontains``).
"""

from django.db import migrations

DOCUMENT = (
    "to_tsvector('danish'::regconfig, "
    "(COALESCE(title, '')::text || ' '::text) || COALESCE(description, ''::text))"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS portal_case_fts")
    schema_editor.execute(
        f"ALTER TABLE portal_case ADD COLUMN search_document tsvector "
        f"GENERATED ALWAYS AS ({DOCUMENT}) STORED"
    )
    schema_editor.execute("CREATE INDEX portal_case_fts ON portal_case USING gin (search_document)")
    # Word statistics of the new column for the planner (how common each word is).
    schema_editor.execute("ANALYZE portal_case")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS portal_case_fts")
    schema_editor.execute("ALTER TABLE portal_case DROP COLUMN IF EXISTS search_document")
    schema_editor.execute(f"CREATE INDEX portal_case_fts ON portal_case USING gin ({DOCUMENT})")


class Migration(migrations.Migration):
    dependencies = [("portal", "0004_shared_views_and_inbound_mail")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
