"""``app.core.components``: the button the templates import from macros/buttons.html."""

from __future__ import annotations

from flask import render_template_string


def test_the_button_escapes_what_it_is_given_and_keeps_the_macro_s_attributes(app):
    with app.test_request_context():
        drawn = render_template_string(
            '{% from "macros/buttons.html" import button %}'
            '{{ button(text, kind="subtle", testid="t", name="n", value=0, small=True) }}'
            "{{ button(_('Save')) }}",
            text='Bewaar <script>"&"',
        )
    assert drawn == (
        '<button type="submit" class="utrecht-button utrecht-button--subtle portal-small"'
        ' name="n" value="0" data-testid="t">Bewaar &lt;script&gt;&#34;&amp;&#34;</button>'
        '<button type="submit" class="utrecht-button utrecht-button--primary-action">'
        "Opslaan</button>"
    )
