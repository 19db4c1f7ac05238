"""We ship Simplified Chinese: every string in the catalogs is translated."""

from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES"


@pytest.mark.parametrize("name", ["django.po", "djangojs.po"])
def test_it_translates_every_message(name):
    catalog = polib.pofile(str(LOCALE / name))
    assert catalog.percent_translated() == 100
    assert not [e.msgid for e in catalog if "fuzzy" in e.flags]
    assert (LOCALE / name).with_suffix(".mo").stat().st_mtime >= (LOCALE / name).stat().st_mtime - 1


def test_it_shows_pages_in_chinese(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("u"))
    html = client.get("/apps/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "打开应用" in html and 'lang="zh-hans"' in html
