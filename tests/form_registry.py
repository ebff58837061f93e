"""Every WTForms form class of ``app/``, and which tests hold its values to what was sent.

``discover()`` imports every module of the app and returns the form classes defined in
it (``wtforms.Form`` subclasses whose module is under ``app``), plus the two forms built
at run time: the settings form (``app.core.settings.settings_form_class``) and the grant
distribution's form with a field per municipality (``app.regional.grant_forms``).

``VIEW_LEVEL`` names the forms that also have a view-level property test (submit through
the test client, then read the database; for a form that stores nothing, the normal next
step or a page with a message): the form's qualified name -> the test file.
A form that changes a row or takes a decision is held by ``tests/form_pages.py``'s
``hold`` (the state before and after, a world of its own for each submission).
Every other discovered form is covered at field level only, by
``tests/core/test_every_form.py``. A new form class must be added to ``FIELD_LEVEL`` or
``VIEW_LEVEL`` here, or that test fails: a form nobody decided about is not covered.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import wtforms

import app as app_package


def qualified(form_class: type) -> str:
    return f"{form_class.__module__}.{form_class.__qualname__}"


def discover() -> dict[str, type]:
    found: dict[str, type] = {}
    for module_info in pkgutil.walk_packages(app_package.__path__, "app."):
        module = importlib.import_module(module_info.name)
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(value, wtforms.Form)
                and value.__module__ == module.__name__
                and value.__module__.startswith("app.")
            ):
                found[qualified(value)] = value
    return found


def runtime_forms(tenants) -> dict[str, type]:
    """The forms a function builds (call inside an app and request context)."""
    from app.core.settings import settings_form_class
    from app.regional.grant_forms import distribution_form

    distribution = type(distribution_form(list(tenants)))
    return {
        "app.core.settings.TenantSettingsForm": settings_form_class(),
        "app.regional.grant_forms.RegionDistributionForm": distribution,
    }


# Forms with no fields of their own: the base classes and a form that carries only CSRF.
NO_FIELDS = {
    "app.core.forms.Form",
    "app.volunteers.forms.RunMatchingForm",
}

_CASES = "tests/cases/test_forms_property.py"
_AUTH = "tests/auth/test_forms_property.py"
_REGIONAL = "tests/regional/test_forms_property.py"
_VOLUNTEERS = "tests/volunteers/test_forms_property.py"
_AUDIT = "tests/audit/test_forms_property.py"
_SIGN_IN = "tests/auth/test_forms_property_signin.py"
_CASE_PAGE = "tests/cases/test_forms_property_case_page.py"
_INTAKE = "tests/cases/test_forms_property_intake.py"
_PARTNERS = "tests/cases/test_forms_property_partners.py"
_REGIONAL_PAGES = "tests/regional/test_forms_property_pages.py"
_VOLUNTEER_PAGES = "tests/volunteers/test_forms_property_pages.py"

VIEW_LEVEL = {
    "app.cases.forms.DetailsForm": _CASES,
    "app.cases.forms.PhaseForm": _CASES,
    "app.cases.forms.ReleaseForm": _CASES,
    "app.cases.forms.DomainForm": _CASES,
    "app.cases.forms.TaskForm": _CASES,
    "app.cases.forms.TaskDoneForm": _CASES,
    "app.cases.forms.NoteForm": _CASES,
    "app.cases.forms.NoteEditForm": _CASES,
    "app.cases.forms.ConsentForm": _CASES,
    "app.cases.forms.ReferralForm": _CASES,
    "app.cases.forms.OutcomeForm": _CASES,
    "app.cases.forms.TrajectoryForm": _CASES,
    "app.cases.forms.TrajectoryUpdateForm": _CASES,
    "app.cases.forms.TemplateForm": _CASES,
    "app.core.settings.TenantSettingsForm": _CASES,
    "app.auth.forms.InviteForm": _AUTH,
    "app.auth.forms.IdentityProviderForm": _AUTH,
    "app.regional.budget_forms.BudgetLineForm": _REGIONAL,
    "app.regional.grant_forms.ExpenseForm": _REGIONAL,
    "app.regional.budget_forms.ApprovalForm": _REGIONAL_PAGES,
    "app.regional.budget_forms.InvoiceForm": _REGIONAL_PAGES,
    "app.regional.budget_forms.PlanningForm": _REGIONAL_PAGES,
    "app.regional.crossing.ReasonForm": _REGIONAL_PAGES,
    "app.regional.grant_forms.ApprovalForm": _REGIONAL_PAGES,
    "app.regional.grant_forms.DistributionForm": _REGIONAL_PAGES,
    "app.regional.grant_forms.RegionDistributionForm": _REGIONAL_PAGES,
    "app.regional.grant_forms.ReportForm": _REGIONAL_PAGES,
    "app.volunteers.forms.ApplicationForm": _VOLUNTEERS,
    "app.volunteers.forms.CertificateForm": _VOLUNTEERS,
    # PersonForm and PartnerFields are the fields their add and edit forms share; they are
    # held through those forms' pages.
    "app.audit.forms.ClientLookupForm": _AUDIT,
    "app.auth.forms.CodeStepForm": _SIGN_IN,
    "app.auth.forms.NewPasswordForm": _SIGN_IN,
    "app.auth.forms.PasswordStepForm": _SIGN_IN,
    "app.auth.forms.ResetRequestForm": _SIGN_IN,
    "app.auth.forms.RoleForm": _SIGN_IN,
    "app.cases.forms.ReleaseCorrectionForm": _CASE_PAGE,
    "app.cases.forms.ResponsibleForm": _CASE_PAGE,
    "app.cases.forms.TemplateEditForm": _CASE_PAGE,
    "app.cases.forms.TransferAcceptForm": _CASE_PAGE,
    "app.cases.forms.TransferDeclineForm": _CASE_PAGE,
    "app.cases.forms.TransferForm": _CASE_PAGE,
    "app.cases.forms.VoidSnapshotForm": _CASE_PAGE,
    "app.cases.intake.checklist_views.DecisionForm": _INTAKE,
    "app.cases.intake.forms.IntakeForm": _INTAKE,
    "app.cases.involved_views.DocumentForm": _CASE_PAGE,
    "app.cases.involved_views.PersonAddForm": _CASE_PAGE,
    "app.cases.involved_views.PersonEditForm": _CASE_PAGE,
    "app.cases.involved_views.PersonEndForm": _CASE_PAGE,
    "app.cases.involved_views.PersonForm": _CASE_PAGE,
    "app.cases.merge_views.MergeForm": _CASE_PAGE,
    "app.cases.partners.forms.PartnerAddForm": _PARTNERS,
    "app.cases.partners.forms.PartnerEditForm": _PARTNERS,
    "app.cases.partners.forms.PartnerFields": _PARTNERS,
    "app.cases.partners.forms.StaffForm": _PARTNERS,
    "app.cases.provider.forms.DecisionForm": _PARTNERS,
    "app.cases.provider.forms.EndForm": _PARTNERS,
    "app.cases.provider.forms.InvoiceForm": _PARTNERS,
    "app.cases.provider.forms.ProgressForm": _PARTNERS,
    "app.volunteers.forms.AcceptProposalForm": _VOLUNTEER_PAGES,
    "app.volunteers.forms.DecideForm": _VOLUNTEER_PAGES,
    "app.volunteers.forms.HandleSignalForm": _VOLUNTEER_PAGES,
    "app.volunteers.forms.InvitationForm": _VOLUNTEER_PAGES,
    "app.volunteers.forms.MeetingForm": _VOLUNTEER_PAGES,
    "app.volunteers.forms.MemberForm": _VOLUNTEER_PAGES,
    "app.volunteers.forms.PhaseForm": _VOLUNTEER_PAGES,
    "app.volunteers.forms.ProfessionalForm": _VOLUNTEER_PAGES,
    "app.volunteers.forms.ReferralForm": _VOLUNTEER_PAGES,
    "app.volunteers.forms.ReviewForm": _VOLUNTEER_PAGES,
    "app.volunteers.forms.SignalForm": _VOLUNTEER_PAGES,
    "app.volunteers.forms.StatusForm": _VOLUNTEER_PAGES,
    "app.volunteers.forms.TrainingForm": _VOLUNTEER_PAGES,
}

# Covered at field level only (tests/core/test_every_form.py): none left, every form with
# fields of its own has a view-level test too. A new form starts here or in VIEW_LEVEL.
FIELD_LEVEL: set[str] = set()


# Text fields stored in a column of limited length: (form, field) -> (table, column). The
# field's limit must be the column's (tests/core/test_every_form.py reads the length from
# the model), so a text the database could not hold is refused next to its field, and a
# text it could hold is not. Fields stored in a TEXT column are limited by MAX_TEXT or a
# limit of their own and are not listed.
COLUMNS = {
    ("app.cases.involved_views.PersonAddForm", "name"): ("case_people", "name"),
    ("app.cases.involved_views.PersonAddForm", "organisation"): ("case_people", "organisation"),
    ("app.cases.involved_views.PersonAddForm", "contact"): ("case_people", "contact"),
    ("app.cases.involved_views.PersonEditForm", "name"): ("case_people", "name"),
    ("app.cases.involved_views.PersonEditForm", "organisation"): ("case_people", "organisation"),
    ("app.cases.involved_views.PersonEditForm", "contact"): ("case_people", "contact"),
    ("app.cases.partners.forms.PartnerAddForm", "name"): ("partners", "name"),
    ("app.cases.partners.forms.PartnerAddForm", "contact_name"): ("partners", "contact_name"),
    ("app.cases.partners.forms.PartnerAddForm", "email"): ("partners", "email"),
    ("app.cases.partners.forms.PartnerAddForm", "phone"): ("partners", "phone"),
    ("app.cases.partners.forms.PartnerAddForm", "address"): ("partners", "address"),
    ("app.cases.partners.forms.PartnerEditForm", "name"): ("partners", "name"),
    ("app.cases.provider.forms.InvoiceForm", "reference"): ("trajectory_invoices", "reference"),
    ("app.cases.partners.forms.PartnerEditForm", "contact_name"): ("partners", "contact_name"),
    ("app.cases.partners.forms.PartnerEditForm", "email"): ("partners", "email"),
    ("app.cases.partners.forms.PartnerEditForm", "phone"): ("partners", "phone"),
    ("app.cases.partners.forms.PartnerEditForm", "address"): ("partners", "address"),
    ("app.cases.involved_views.DocumentForm", "title"): ("case_documents", "title"),
    ("app.cases.forms.ResponsibleForm", "responsible_outside_name"): (
        "clients",
        "responsible_outside_name",
    ),
    ("app.cases.intake.checklist_views.DecisionForm", "reason"): ("intake_checks", "reason"),
    ("app.regional.budget_forms.InvoiceForm", "reference"): (
        "budget_commitments",
        "invoice_reference",
    ),
    ("app.volunteers.forms.ApplicationForm", "first_name"): ("volunteers", "first_name"),
    ("app.volunteers.forms.ApplicationForm", "last_name"): ("volunteers", "last_name"),
    ("app.volunteers.forms.ApplicationForm", "email"): ("volunteers", "email"),
    ("app.volunteers.forms.ApplicationForm", "phone"): ("volunteers", "phone"),
    ("app.volunteers.forms.ApplicationForm", "postcode"): ("volunteers", "postcode"),
    ("app.volunteers.forms.CertificateForm", "profile"): ("volunteers", "vog_profile"),
    ("app.volunteers.forms.ProfessionalForm", "name"): ("circle_professionals", "name"),
    ("app.volunteers.forms.ProfessionalForm", "organisation"): (
        "circle_professionals",
        "organisation",
    ),
    ("app.volunteers.forms.ProfessionalForm", "role"): ("circle_professionals", "role"),
    ("app.cases.forms.TaskForm", "title"): ("tasks", "title"),
    ("app.cases.forms.TemplateForm", "title"): ("task_templates", "title"),
    ("app.cases.forms.DetailsForm", "facility"): ("cases", "facility"),
    ("app.auth.forms.InviteForm", "email"): ("users", "email"),
    ("app.cases.intake.forms.IntakeForm", "given_name"): ("clients", "given_name"),
    ("app.cases.intake.forms.IntakeForm", "family_name"): ("clients", "family_name"),
    ("app.cases.intake.forms.IntakeForm", "responsible_municipality"): (
        "clients",
        "responsible_outside_name",
    ),
    ("app.cases.intake.forms.IntakeForm", "facility"): ("cases", "facility"),
    ("app.cases.intake.forms.IntakeForm", "prison_number"): ("cases", "prison_number"),
    ("app.cases.intake.forms.IntakeForm", "probation_officer"): ("cases", "probation_officer"),
    ("app.cases.intake.forms.IntakeForm", "prison_caseworker_name"): (
        "cases",
        "prison_caseworker_name",
    ),
    ("app.cases.intake.forms.IntakeForm", "prison_caseworker_contact"): (
        "cases",
        "prison_caseworker_contact",
    ),
}
