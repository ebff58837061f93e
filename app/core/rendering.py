"""The one way to render: a full page, or one block of it when htmx asks.

Each page stays one template file; an htmx request (that is not a history
restore) gets only the named block. ``Vary: HX-Request`` keeps caches from
serving one for the other.

A block rendered on its own does not run the template's top-level code, so the
macros a page imports or defines at its top (``{% from "macros/forms.html" import
field %}``, ``{% macro ... %}``) would be undefined in the fragment;
``_top_level_names`` supplies them.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from flask import current_app, make_response, render_template
from flask.wrappers import Response
from jinja2 import nodes
from jinja2_fragments.flask import render_block

from app.extensions import htmx


def wants_fragment() -> bool:
    return bool(htmx) and not htmx.history_restore_request


def _top_level_names(template: str, context: dict) -> dict:
    """The macros a template imports or defines at its top level, by the names it uses.

    Macros defined in the page see the page's context (``context``), as in a full render.
    """
    env = current_app.jinja_env
    kept, code = _top_level_code(env, template)
    if not kept:
        return {}
    page_context = dict(context)
    current_app.update_template_context(page_context)
    module = env.template_class.from_code(env, code, env.make_globals(None)).make_module(
        page_context
    )
    names: dict = {}
    for node in kept:
        if isinstance(node, nodes.Macro):
            names[node.name] = getattr(module, node.name)
            continue
        # An import "with context" sees the page's names (a row macro calls its helpers).
        imported = env.get_template(node.template.value).make_module(
            page_context if node.with_context else None
        )
        if isinstance(node, nodes.FromImport):
            for item in node.names:
                name, alias = item if isinstance(item, tuple) else (item, item)
                names[alias] = getattr(imported, name)
        else:
            names[node.target] = imported
    return names


# Parsing a page's source for its imports took longer than rendering a small fragment
# of it (a case page section's next rows): the compiled top level is kept per template
# while the loader says its source is unchanged.
# Per environment (weakly: the tests make many apps), then per template name.
_compiled: WeakKeyDictionary = WeakKeyDictionary()


def _top_level_code(env, template: str) -> tuple[list, object]:
    """The template's top-level imports and macros, and their code compiled as a module."""
    per_env = _compiled.setdefault(env, {})
    cached = per_env.get(template)
    if cached is not None and (cached[0] is None or cached[0]()):
        return cached[1], cached[2]
    source, _filename, uptodate = env.loader.get_source(env, template)
    kept = [
        node
        for node in env.parse(source).body
        if isinstance(node, nodes.FromImport | nodes.Import | nodes.Macro)
    ]
    # Only the imports and macro definitions, compiled as a module of their own.
    code = None
    if kept:
        code = env.compile(nodes.Template(kept, lineno=1).set_environment(env), name=template)
    per_env[template] = (uptodate, kept, code)
    return kept, code


def render(template: str, *, block: str = "content", status: int = 200, **context) -> Response:
    if wants_fragment():
        body = render_block(template, block, **{**_top_level_names(template, context), **context})
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def download(body: bytes | str, mimetype: str, filename: str) -> Response:
    """A file to save (an export); ``Cache-Control: no-store`` comes with every response."""
    response = make_response(body)
    response.mimetype = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
