from flask import Blueprint

# The mentor portal's routes land here with the volunteers issue.
bp = Blueprint("volunteers", __name__, url_prefix="/mentor")
