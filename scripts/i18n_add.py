"""Append Dutch translations to the catalogue: ``i18n_add.py translations.json``.

The JSON maps English msgids to Dutch. Entries already in the catalogue are left
alone; new ones are appended (never rewriting the file, so concurrent edits of
other entries survive). Then compiles the catalogue.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "app/translations/nl/LC_MESSAGES/messages.po"


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main(path: str) -> None:
    wanted = json.loads(Path(path).read_text(encoding="utf-8"))
    with open(CATALOGUE, "rb") as handle:
        known = {m.id for m in read_po(handle, locale="nl") if m.id}
    entries = [
        f"\nmsgid {quote(msgid)}\nmsgstr {quote(dutch)}\n"
        for msgid, dutch in wanted.items()
        if msgid not in known
    ]
    with open(CATALOGUE, "a", encoding="utf-8") as handle:
        handle.writelines(entries)
    subprocess.run(  # noqa: S603 - our own pybabel, fixed arguments
        [str(ROOT / ".venv/bin/pybabel"), "compile", "-d", str(ROOT / "app/translations")],
        check=True,
    )
    print(f"added {len(entries)} translations")


if __name__ == "__main__":
    main(sys.argv[1])
