"""Extensions, created once and bound to the app in the factory."""

from functools import cached_property

from authlib.integrations.flask_client import OAuth
from flask import g, has_app_context
from flask_babel import Babel, Domain, _get_current_context
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from jinja2 import pass_eval_context
from markupsafe import Markup

from app.core.db import Base


class RequestDomain(Domain):
    """Flask-Babel's message domain, with the request's catalogue looked up once.

    Every ``_()`` of a template and every lazy label looked the catalogue up again
    through the request's globals: 6 µs a text, some 260 texts on the case list, a
    fifth of the page's own time (measured 2026-12-07). The catalogue is kept on the
    request's Babel context next to the locale it belongs to, so ``flask_babel.refresh()``
    (which drops the locale) is still honoured."""

    def get_translations(self):
        # The fast path: one look at the request's globals (``g``), then plain attributes.
        ctx = g.get("_flask_babel") if has_app_context() else None
        if ctx is not None:
            kept = getattr(ctx, "portal_translations", None)
            if kept is not None and kept[0] is getattr(ctx, "babel_locale", None):
                return kept[1]
        translations = super().get_translations()  # sets the context's babel_locale
        ctx = _get_current_context()
        if ctx is not None:
            ctx.portal_translations = (getattr(ctx, "babel_locale", None), translations)
        return translations


class PortalBabel(Babel):
    @cached_property
    def domain_instance(self):
        return RequestDomain(domain=self.domain)

    def init_app(self, app, *args, **kwargs) -> None:
        super().init_app(app, *args, **kwargs)
        # The templates' ``_()`` straight to the domain (Flask-Babel's own callables find
        # the domain through the request's globals again for every text).
        app.jinja_env.install_gettext_callables(
            gettext=lambda s: self.domain_instance.get_translations().ugettext(s),
            ngettext=lambda s, p, n: self.domain_instance.get_translations().ungettext(s, p, n),
            newstyle=True,
            pgettext=lambda c, s: self.domain_instance.get_translations().upgettext(c, s),
            npgettext=lambda c, s, p, n: self.domain_instance.get_translations().unpgettext(
                c, s, p, n
            ),
        )
        # ``_()`` and ``gettext`` as one call each (the ``gettext`` given above is
        # replaced): Jinja's own ``_`` finds ``gettext`` in the context and calls it, which
        # calls the given function, each through the context's checks (some 40 function
        # calls a text; a case page shows about 120 texts, 2026-12-07).
        direct = self._template_gettext()
        app.jinja_env.globals.update({"_": direct, "gettext": direct})

    def _template_gettext(self):
        babel = self

        @pass_eval_context
        def gettext(eval_ctx, string: str, **variables):
            # As Jinja's "newstyle" gettext: escaped where the template autoescapes, and
            # always a format string.
            text = babel.domain_instance.get_translations().ugettext(string)
            if eval_ctx.autoescape:
                text = Markup(text)  # noqa: S704 - the catalogue's text, as Jinja's own
            return text % variables

        return gettext


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()
babel = PortalBabel()
oauth = OAuth()
