"""Print the interface texts that have no Dutch translation yet, as .po entries to fill in.

Usage: .venv/bin/python scripts/i18n_missing.py [path-prefix ...]
Append the filled-in entries to app/translations/nl/LC_MESSAGES/messages.po and run
``.venv/bin/pybabel compile -d app/translations``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
METHOD_MAP = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def main(prefixes: list[str]) -> None:
    with open(ROOT / "app/translations/nl/LC_MESSAGES/messages.po", "rb") as handle:
        known = {m.id for m in read_po(handle, locale="nl") if m.id}
    seen = set()
    for filename, _line, message, _c, _ctx in extract_from_dir(
        str(ROOT / "app"), METHOD_MAP, keywords=KEYWORDS
    ):
        msgid = message if isinstance(message, str) else message[0]
        if msgid in known or msgid in seen:
            continue
        if prefixes and not any(("app/" + filename).startswith(p) for p in prefixes):
            continue
        seen.add(msgid)
        escaped = msgid.replace("\\", "\\\\").replace('"', '\\"')
        print(f'msgid "{escaped}"\nmsgstr ""\n')


if __name__ == "__main__":
    main(sys.argv[1:])
