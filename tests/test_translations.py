"""Every language of the switcher ships a complete, correct catalogue.

The .po files under locale/ are the source of truth (`make messages` updates and
compiles them). These tests fail on a catalogue that misses a string of the source, has
an untranslated or fuzzy entry, a stale .mo, a translation that drops or renames a
placeholder or tag, or half-width punctuation inside Chinese text.
"""

from __future__ import annotations

import contextlib
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils.translation import to_locale

from generator.runs.definitions import a1_language
from tests.conftest import ROOT

LOCALE = ROOT / "locale"
DOMAINS = ("django", "djangojs")
# Every language but the one the source is written in.
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
CATALOGUES = [(code, domain) for code in LANGUAGES for domain in DOMAINS]

PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([sdifrxX%])")
TEMPLATE_VARIABLE = re.compile(r"{{\s*([\w.]+)")
TAG = re.compile(r"</?[a-zA-Z][\w-]*")
CJK = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
HALF_WIDTH_BESIDE_CJK = re.compile(rf"{CJK}[,;:!?()]|[,;:!?()]{CJK}")


def catalogue(code: str, domain: str) -> polib.POFile:
    path = LOCALE / to_locale(code) / "LC_MESSAGES" / f"{domain}.po"
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: run `make messages`"
    return polib.pofile(str(path))


def placeholders(text: str) -> list[str]:
    """%-names (a bare %s or %d by its type) and {{ names }}, sorted; %% is no placeholder."""
    found = [m.group(1) or m.group(2) for m in PLACEHOLDER.finditer(text) if m.group(2) != "%"]
    return sorted(found + TEMPLATE_VARIABLE.findall(text))


def translations(entry: polib.POEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


@pytest.mark.parametrize(("code", "domain"), CATALOGUES)
def test_it_translates_every_message(code, domain):
    po = catalogue(code, domain)
    assert not po.metadata_is_fuzzy
    untranslated = [e.msgid for e in po.untranslated_entries()]
    assert not untranslated, f"{code} {domain}: untranslated {untranslated}"
    assert not [e.msgid for e in po.fuzzy_entries()], f"{code} {domain}: fuzzy entries"
    nplurals = int(re.search(r"nplurals=(\d+)", po.metadata["Plural-Forms"]).group(1))
    if code.startswith(("zh", "ja")):
        assert nplurals == 1
    for entry in po:
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == list(range(nplurals)), entry.msgid
            assert all(entry.msgstr_plural.values()), entry.msgid


@pytest.mark.parametrize(("code", "domain"), CATALOGUES)
def test_it_ships_the_compiled_catalogue_of_each_po_file(code, domain):
    po_path = LOCALE / to_locale(code) / "LC_MESSAGES" / f"{domain}.po"
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path.relative_to(ROOT)} is missing: run `make messages`"
    # A second of slack: git writes a checkout's files in quick succession, .mo first.
    assert mo_path.stat().st_mtime >= po_path.stat().st_mtime - 1, "run `make messages`"
    # The times prove little on a fresh clone, so the contents are compared too.
    compiled = {(e.msgctxt, e.msgid): translations(e) for e in polib.mofile(str(mo_path))}
    source = {(e.msgctxt, e.msgid): translations(e) for e in catalogue(code, domain)}
    assert compiled == source, f"{mo_path.relative_to(ROOT)} is stale: run `make messages`"


@pytest.mark.parametrize(("code", "domain"), CATALOGUES)
def test_it_keeps_every_placeholder_and_tag(code, domain):
    wrong = []
    for entry in catalogue(code, domain):
        source = entry.msgid_plural or entry.msgid
        for text in translations(entry):
            if placeholders(text) != placeholders(source):
                wrong.append(f"{entry.msgid!r}: {text!r} (placeholders)")
            if TAG.findall(text) != TAG.findall(source):
                wrong.append(f"{entry.msgid!r}: {text!r} (tags)")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("code", [code for code in LANGUAGES if code.startswith("zh")])
def test_it_uses_full_width_punctuation_in_chinese(code):
    wrong = [
        text
        for domain in DOMAINS
        for entry in catalogue(code, domain)
        for text in translations(entry)
        if HALF_WIDTH_BESIDE_CJK.search(text)
    ]
    assert not wrong, "Use ，；：！？（） next to Chinese text:\n" + "\n".join(wrong)


def make_messages_ignore_list() -> list[str]:
    """The ignore list of `make messages`, so the two cannot drift apart."""
    makefile = (ROOT / "Makefile").read_text()
    line = re.search(r"^MESSAGES_IGNORE\s*:?=(.*)$", makefile, re.MULTILINE)
    assert line, "the Makefile no longer sets MESSAGES_IGNORE"
    return line.group(1).split()


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict[str, set]:
    """Every msgid of the source, by domain, as `make messages` would extract it.

    Django's own makemessages runs in a scratch tree that links to the source, so the
    real catalogues are not touched.
    """
    if not shutil.which("xgettext") or not shutil.which("msgmerge"):
        pytest.skip(
            "GNU gettext (xgettext) is not installed, so whether the catalogues hold every "
            "string of the source is NOT checked here (apt-get install gettext; CI has it)"
        )
    ignore = make_messages_ignore_list()
    scratch = tmp_path_factory.mktemp("messages")
    for child in ROOT.iterdir():
        if child.name != "locale" and not child.name.startswith(".") and child.name not in ignore:
            (scratch / child.name).symlink_to(child)
    (scratch / "locale").mkdir()
    found: dict[str, set] = {}
    with override_settings(LOCALE_PATHS=[scratch / "locale"]), contextlib.chdir(scratch):
        for domain in DOMAINS:
            call_command(
                "makemessages",
                domain=domain,
                locale=["ja"],
                ignore_patterns=list(ignore),
                symlinks=True,
                verbosity=0,
            )
            po = polib.pofile(str(Path("locale/ja/LC_MESSAGES") / f"{domain}.po"))
            found[domain] = {(e.msgctxt, e.msgid, e.msgid_plural) for e in po}
    return found


@pytest.mark.parametrize(("code", "domain"), CATALOGUES)
def test_it_holds_every_string_of_the_source(code, domain, extracted):
    assert extracted[domain], "nothing was extracted: the scratch tree is wrong"
    held = {(e.msgctxt, e.msgid, e.msgid_plural) for e in catalogue(code, domain)}
    missing = sorted(msgid for _ctx, msgid, _plural in extracted[domain] - held)
    assert not missing, f"run `make messages` and translate for {code} ({domain}): {missing}"


@pytest.mark.parametrize(
    ("code", "known", "name"),
    [
        ("zh-hans", "打开应用", "简体中文"),
        ("zh-hant", "開啟應用程式", "繁體中文"),
        ("ja", "アプリを開く", "日本語"),
    ],
)
def test_it_shows_pages_in_each_language(client, django_user_model, code, known, name):
    client.force_login(django_user_model.objects.create_user("u"))
    html = client.get("/apps/", HTTP_ACCEPT_LANGUAGE=code).content.decode()
    assert known in html and f'<html lang="{code}"' in html
    assert f">{name}</option>" in html  # the switcher names each language in itself


@pytest.mark.parametrize(
    ("code", "a1_code"),
    [("en", "en_US"), ("zh-hans", "zh_CN"), ("zh-hant", "zh_TW"), ("ja", "ja_JP")],
)
def test_it_asks_a1_for_apps_in_the_interface_language(code, a1_code):
    assert a1_language(code) == a1_code
