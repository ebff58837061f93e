"""The cases blueprint; the view modules of the package add their routes to it."""

from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")
