"""Full-text search indexes (GIN, Danish configuration) for cases and articles, PostgreSQL only.

The expressions are those of ``selectors.case_search_vector`` and
``selectors.article_search_vector``; ``tests/portal/test_search.py`` proves on PostgreSQL that
the searches use these indexes. On SQLite the migration does nothing (search falls back to
stems and ``icontains``).
"""

from django.db import migrations

CASE_INDEX = "portal_case_fts"
ARTICLE_INDEX = "portal_article_fts"


def _indexes(apps):
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    case = apps.get_model("portal", "Case")
    article = apps.get_model("portal", "Article")
    return [
        (case, GinIndex(SearchVector("title", "description", config="danish"), name=CASE_INDEX)),
        (
            article,
            GinIndex(
                SearchVector("title", weight="A", config="danish")
                + SearchVector("body", weight="B", config="danish"),
                name=ARTICLE_INDEX,
            ),
        ),
    ]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in _indexes(apps):
        schema_editor.add_index(model, index)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in _indexes(apps):
        schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
