"""One test per server error the walk and the fuzzer found, so each stays fixed by name."""

from __future__ import annotations

from datetime import date, timedelta

from tests.security import registry, walker


def _caller(app, tenant, role, sign_in):
    return walker.Caller(app, walker.make_user(app, tenant, role), sign_in)


def test_a_nul_character_in_any_input_is_refused_in_dutch(app, tenants, sign_in):
    home = tenants["olst-wijhe"]
    caller = _caller(app, home, "case_worker", sign_in)
    case = registry.Bundle(app, home, caller.user).case()
    response = caller.call(
        "cases.note_add", "POST", f"/cases/{case.id}/notes", form={"body": "a\x00b"}
    )
    assert response.status_code == 400
    assert "De invoer bevat een teken dat niet is toegestaan." in response.get_data(as_text=True)
    search = caller.call("cases.case_list", "GET", "/cases/", query={"q": "\x00"})
    assert search.status_code == 400
    # In the URL as well: the municipality's sign-in page is looked up by its name.
    assert app.test_client().get("/auth/%00/local").status_code == 400


def test_a_nul_character_in_the_api_is_refused_as_json(app, tenants):
    home = tenants["olst-wijhe"]
    token = registry.api_token_for(app, home)
    document = registry.VALID_JSON["intake_api.receive_document"](registry.Bundle(app, home))
    response = app.test_client().post(
        "/api/v1/intake-documents",
        json={**document, "facility": "PI\x00"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert response.get_json()["title"] == "De invoer bevat een teken dat niet is toegestaan."


def test_a_number_beyond_the_database_integer_is_a_form_error(app, tenants, sign_in):
    home = tenants["olst-wijhe"]
    caller = _caller(app, home, "case_worker", sign_in)
    case = registry.Bundle(app, home, caller.user).case()
    response = caller.call(
        "cases.transfer", "POST", f"/cases/{case.id}/transfer", form={"target": "9" * 20}
    )
    assert response.status_code == 422
    assert "Vul een getal in van 1 tot en met 2.147.483.647." in response.get_data(as_text=True)


def test_a_task_title_longer_than_its_column_is_a_form_error(app, tenants, sign_in):
    home = tenants["olst-wijhe"]
    caller = _caller(app, home, "case_worker", sign_in)
    bundle = registry.Bundle(app, home, caller.user)
    form = {**registry.VALID_FORMS["cases.task_add"](bundle), "title": "x" * 201}
    response = caller.call("cases.task_add", "POST", f"/cases/{bundle.case().id}/tasks", form=form)
    assert response.status_code == 422
    assert "Gebruik ten hoogste 200 tekens (nu 201)." in response.get_data(as_text=True)


def test_the_error_page_survives_a_failed_database_write(app, tenants, sign_in, monkeypatch):
    """A failed flush used to break the error page itself (a bare 500, no reference)."""
    from app.cases import notes
    from app.extensions import db

    def failing_add_note(case, author, body, **_options):
        db.session.add(notes.Note(case_id=case.id, author_name=None, body=None))
        db.session.flush()  # NOT NULL: the flush fails and the session needs a rollback

    monkeypatch.setattr(notes, "add_note", failing_add_note)
    home = tenants["olst-wijhe"]
    caller = _caller(app, home, "case_worker", sign_in)
    case = registry.Bundle(app, home, caller.user).case()
    app.testing = False  # let the error handler answer, as in production
    try:
        response = caller.call(
            "cases.note_add", "POST", f"/cases/{case.id}/notes", form={"body": "x"}
        )
    finally:
        app.testing = True
    assert response.status_code == 500
    assert "Referentie" in response.get_data(as_text=True) or "referentie" in response.get_data(
        as_text=True
    )


def test_saving_sign_in_settings_without_the_role_mapping_is_a_form_error(app, tenants, sign_in):
    """A missing field used to keep the saved mapping (a dict) and fail with a 500."""
    home = tenants["olst-wijhe"]
    caller = _caller(app, home, "tenant_admin", sign_in)
    form = registry.VALID_FORMS["accounts.identity_provider"](registry.Bundle(app, home))
    first = caller.call("accounts.identity_provider", "POST", "/beheer/inlogdienst", form=form)
    assert first.status_code == 302
    form.pop("role_mapping")
    second = caller.call("accounts.identity_provider", "POST", "/beheer/inlogdienst", form=form)
    assert second.status_code == 422


def test_an_access_report_until_the_last_possible_day(app, tenants, sign_in):
    home = tenants["olst-wijhe"]
    caller = _caller(app, home, "privacy_officer", sign_in)
    client_id = registry.Bundle(app, home).case().client_id
    url = f"/privacy/clients/{client_id}"
    response = caller.call("audit.client_report", "GET", url, query={"tot": "9999-12-31"})
    assert response.status_code == 200
    later = (date.today() + timedelta(days=1)).isoformat()
    assert caller.call("audit.client_report", "GET", url, query={"van": later}).status_code == 200


def test_the_template_editor_shows_the_default_without_saving_it(app, tenants, sign_in):
    """Found by the walk: the first visit of the page used to save the default template."""
    from sqlalchemy import func, select

    from app.cases.plan.models import TaskTemplate
    from app.cases.plan.services import default_template_rows
    from app.core.context import tenant_app_context
    from app.extensions import db

    home = tenants["olst-wijhe"]

    def saved() -> int:
        with app.app_context(), tenant_app_context(home.id):
            return db.session.scalar(select(func.count()).select_from(TaskTemplate))

    caller = _caller(app, home, "tenant_admin", sign_in)
    page = caller.call("cases.admin_templates", "GET", "/cases/admin/templates")
    assert page.status_code == 200
    assert 'data-testid="default-preview"' in page.get_data(as_text=True)
    assert saved() == 0
    form = registry.VALID_FORMS["cases.admin_template_add"](registry.Bundle(app, home))
    added = caller.call("cases.admin_template_add", "POST", "/cases/admin/templates", form=form)
    assert added.status_code == 302
    # Adding one takes the default over as well: nothing of it is lost.
    default_size = len(default_template_rows())
    assert saved() == default_size + 1
    page = caller.call("cases.admin_templates", "GET", "/cases/admin/templates")
    assert 'data-testid="default-preview"' not in page.get_data(as_text=True)
