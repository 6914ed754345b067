"""Constant {% translate %} tags translated when a template is loaded (core.template_loader):
the page reads exactly as Django renders it, in each language, escaped or not."""

from __future__ import annotations

from pathlib import Path

from django.template import Context, Engine, engines
from django.utils import translation

from koncernservice.core.template_loader import ConstantNode

SOURCE = (
    "{% load i18n %}<p>{% translate 'Log out' %}</p>"
    "<p>{% translate \"field '%(f)s'\" %}</p>"
    "{% autoescape off %}<p>{% translate \"field '%(f)s'\" %}</p>{% endautoescape %}"
    "{% if show %}<b>{% translate 'Log out' as label %}{{ label }}</b>{% endif %}"
    "{% for i in items %}<i>{% translate 'Log out' noop %}</i>{% endfor %}"
    "<p>{% translate word %}</p>"
)


def test_constant_translations_render_as_django_renders_them_in_each_language(
    settings, tmp_path: Path
) -> None:
    (tmp_path / "folded.html").write_text(SOURCE, encoding="utf-8")
    engine_settings = dict(settings.TEMPLATES[0])
    engine_settings["DIRS"] = [tmp_path]
    settings.TEMPLATES = [engine_settings]
    engine = engines["django"].engine
    plain = Engine(dirs=[tmp_path], libraries=engine.libraries, builtins=engine.builtins)
    context = {"show": True, "items": [1, 2], "word": "Log out"}
    outputs = {}
    for language in ("da", "en", "da"):
        with translation.override(language):
            template = engine.get_template("folded.html")
            folded = template.render(Context(context))
            expected = plain.from_string(SOURCE).render(Context(context))
        assert folded == expected, language
        outputs[language] = folded
    assert "<p>Log ud</p>" in outputs["da"] and "<p>Log out</p>" in outputs["en"]
    assert "<p>field '%(f)s'</p>" in outputs["da"]  # a literal's percent signs: no msgid
    # Folded: the two plain literals (and the one inside autoescape off); not "as", noop
    # or a variable.
    with translation.override("da"):
        nodes = engine.get_template("folded.html").nodelist.get_nodes_by_type(ConstantNode)
    assert len(nodes) == 3
