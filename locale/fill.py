"""Fill the zh_Hans catalogs from zh_hans_strings.py and report what is missing.

Run by `make messages` after makemessages; the compiled .mo files are committed so
that a fresh clone needs no gettext tools.
"""

import sys
from pathlib import Path

import polib

sys.path.insert(0, str(Path(__file__).parent))
from zh_hans_strings import PLURALS, ZH

missing = []
for name in ("django.po", "djangojs.po"):
    path = Path(__file__).parent / "zh_Hans" / "LC_MESSAGES" / name
    if not path.exists():
        continue
    catalog = polib.pofile(str(path))
    catalog.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    catalog.metadata["Language"] = "zh_Hans"
    catalog.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    for entry in catalog:
        entry.flags = [f for f in entry.flags if f != "fuzzy"]
        if entry.msgid_plural:
            text = PLURALS.get(entry.msgid) or ZH.get(entry.msgid)
            if text:
                entry.msgstr_plural = {0: text}
            else:
                missing.append(entry.msgid)
        elif entry.msgid in ZH:
            entry.msgstr = ZH[entry.msgid]
        else:
            missing.append(entry.msgid)
    catalog.save()
    catalog.save_as_mofile(str(path.with_suffix(".mo")))
if missing:
    print("Missing translations:", *missing, sep="\n  ")
    sys.exit(1)
print("zh_Hans catalogs complete")
