"""Every interface text has a Dutch translation in the catalogue."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
METHOD_MAP = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def extracted_msgids() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT / "app"), METHOD_MAP, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_interface_text_is_translated_to_dutch():
    with open(ROOT / "app/translations/nl/LC_MESSAGES/messages.po", "rb") as handle:
        catalogue = read_po(handle, locale="nl")
    # A plural entry's id and text are tuples; it counts by its singular msgid.
    translated = {
        m.id[0] if isinstance(m.id, tuple) else m.id
        for m in catalogue
        if m.id
        and m.string
        and all(m.string if isinstance(m.string, tuple) else [m.string])
        and not m.fuzzy
    }
    untranslated = sorted(extracted_msgids() - translated)
    assert untranslated == []


def test_pages_are_in_dutch_by_default(app):
    body = app.test_client().get("/auth/sign-in").get_data(as_text=True)
    assert 'lang="nl"' in body
    assert "Aanmelden" in body


def test_english_is_available_on_request_and_kept_in_the_session(app):
    from tests.csrf import csrf_token

    client = app.test_client()
    token = csrf_token(client, "/auth/sign-in")
    response = client.post(
        "/taal", data={"csrf_token": token, "locale": "en", "next": "/auth/sign-in"}
    )
    assert response.headers["Location"] == "/auth/sign-in"
    body = client.get("/auth/sign-in").get_data(as_text=True)
    assert 'lang="en"' in body and "Sign in" in body and "Aanmelden" not in body


def test_the_language_switch_is_no_open_redirect(app):
    from tests.csrf import csrf_token

    client = app.test_client()
    token = csrf_token(client, "/auth/sign-in")
    for target in (
        "https://evil.example/",
        "//evil.example/x",
        "/\t/evil.example",
        "/\\evil.example",
        "\\/evil.example",
        "/\n/evil.example",
    ):
        response = client.post("/taal", data={"csrf_token": token, "locale": "nl", "next": target})
        assert "evil" not in response.headers["Location"], target
    response = client.post(
        "/taal", data={"csrf_token": token, "locale": "nl", "next": "/cases/?q=a"}
    )
    assert response.headers["Location"] == "/cases/?q=a"


def test_a_lazy_message_with_typed_input_is_escaped_in_a_page(app):
    from flask import render_template_string
    from flask_babel import lazy_gettext

    with app.test_request_context():
        message = lazy_gettext("Line %(n)s: %(role)s is not a role.", n=1, role="<b>x</b>")
        page = render_template_string("{{ message }}", message=message)
    assert "<b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_the_requests_catalogue_follows_a_forced_or_refreshed_locale(app):
    """The catalogue is kept for the request (``extensions.RequestDomain``), next to its
    locale: a mail rendered in another language inside a request (``force_locale``) and a
    refreshed choice get their own texts, in templates and in lazy labels alike."""
    from flask import render_template_string, session
    from flask_babel import force_locale, refresh
    from flask_babel import lazy_gettext as _l

    label = _l("Cases")
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        session["locale"] = "nl"
        assert render_template_string("{{ _('Cases') }}") == "Nazorgdossiers" == str(label)
        with force_locale("en"):
            assert render_template_string("{{ _('Cases') }}") == "Cases" == str(label)
        assert render_template_string("{{ _('Cases') }}") == "Nazorgdossiers" == str(label)
        session["locale"] = "en"
        refresh()
        assert render_template_string("{{ _('Cases') }}") == "Cases" == str(label)


def test_a_table_of_labels_kept_in_a_language_follows_the_requests_language(app):
    """``i18n.in_language`` keeps a table of lazy labels translated per language: a forced
    locale (a mail in the recipient's language), a later request in another language and
    a label shown through the case file's ``label`` get the texts of their own language."""
    from flask import session
    from flask_babel import force_locale
    from flask_babel import lazy_gettext as _l

    from app.cases.labels import label
    from app.core.i18n import in_language

    table = {"worker": _l("Case worker")}
    with app.test_request_context():
        session["locale"] = "nl"
        assert in_language(table)["worker"] == "Casemanager"
        with force_locale("en"):
            assert in_language(table)["worker"] == "Case worker"
            assert label("task_status", "open") == "Open"
        assert in_language(table)["worker"] == "Casemanager"
        assert label("task_status", "done") == "Afgerond"
        assert label("task_status", "unknown value") == "unknown value"
    with app.test_request_context():
        session["locale"] = "en"
        assert in_language(table)["worker"] == "Case worker"
        assert label("task_status", "done") == "Done"
