"""In a real browser, one language per page: a person whose interface is Japanese sees
an app's Japanese name while an English one sees its English name (and neither flips
with whichever was read last); the app-language select lists only the languages A1 has
for the app; a batch item's reason shows in Chinese on a Chinese page, the form's label
in Chinese too. Which languages A1 has is learnt by the real worker, never the page."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from accounts.models import Profile
from generator.models import AppDefinition, Batch
from tests.conftest import image_bytes, wait_until
from tests.e2e.conftest import PASSWORD, log_in

CHARACTER = "1838546335502970883"  # the sandbox has it in English, Chinese and Japanese
WATERCOLOR = "1838546335502970881"  # English and Chinese only
GROUP = "1838546335502970884"  # two people, one photo each
GROUP_PILE = "photos_cnet_1838546335507168010_p0"


def person(name: str, language: str):
    user = get_user_model().objects.create_user(name, password=PASSWORD)
    Profile.objects.create(user=user, language=language)
    return user


def read_in(app_id: str, language: str) -> bool:
    return AppDefinition.objects.filter(app_id=app_id, language=language).exists()


@pytest.fixture
def people(transactional_db):
    return person("kenji", "ja"), person("emma", "en")


def test_each_reader_sees_the_app_name_in_their_language(stack, people, new_page):
    emma = new_page()
    log_in(emma, stack, "emma")
    emma.goto(f"{stack}/apps/{CHARACTER}/")
    expect(emma.get_by_role("heading", level=1)).to_have_text("Character sheet")
    emma.get_by_role("button", name="Add", exact=True).click()
    expect(emma.get_by_text("Added 1 app to Personal.")).to_be_visible()
    # The worker reads the other languages (the page asked A1 for English only).
    assert wait_until(lambda: read_in(CHARACTER, "ja_JP") and read_in(CHARACTER, "ru_RU"))

    kenji = new_page()
    log_in(kenji, stack, "kenji")
    kenji.goto(f"{stack}/apps/{CHARACTER}/")
    expect(kenji.get_by_role("heading", level=1)).to_have_text("キャラクターシート")
    expect(kenji.get_by_label("名前")).to_have_attribute("placeholder", "例:ミラ")
    # The select lists the languages A1 has, the form's own chosen; no others.
    select = kenji.get_by_label("アプリの言語")
    expect(select).to_have_value("ja_JP")
    expect(select.locator("option")).to_have_text(["English", "简体中文", "日本語"])

    # Read last in Japanese, the app keeps its English name for Emma.
    emma.goto(f"{stack}/apps/")
    expect(emma.locator(".lib-name")).to_have_text(["Character sheet"])
    emma.goto(f"{stack}/apps/{CHARACTER}/")
    expect(emma.get_by_role("heading", level=1)).to_have_text("Character sheet")
    expect(emma.get_by_label("App language")).to_have_value("en_US")


def test_the_select_offers_only_a1s_languages_and_names_the_forms(stack, people, new_page):
    kenji = new_page()
    log_in(kenji, stack, "kenji")
    kenji.goto(f"{stack}/apps/{WATERCOLOR}/")
    # A1 has no Japanese for it: the form is in the app's own English, and says so.
    expect(kenji.get_by_role("heading", level=1)).to_have_text("Watercolor portrait")
    expect(kenji.locator("#app-language-missing")).to_be_visible()
    assert wait_until(lambda: read_in(WATERCOLOR, "zh_CN") and read_in(WATERCOLOR, "ru_RU"))
    kenji.reload()
    select = kenji.get_by_label("アプリの言語")
    expect(select).to_have_value("en_US")  # the form's language, not 日本語
    expect(select.locator("option")).to_have_text(["English", "简体中文"])


def test_a_batch_items_reason_shows_in_chinese_on_a_chinese_page(stack, people, new_page):
    emma = new_page()
    log_in(emma, stack, "emma")
    emma.goto(f"{stack}/apps/{GROUP}/batch/")
    files = [
        {"name": name, "mimeType": "image/jpeg", "buffer": image_bytes()}
        for name in ("anna_1.jpg", "anna_2.jpg", "ben_1.jpg")
    ]
    emma.set_input_files(f"input[name={GROUP_PILE}]", files=files)
    emma.get_by_label("Beach").check()
    emma.get_by_role("button", name="Check the items").click()
    emma.wait_for_url("**/batches/*/")
    batch = Batch.objects.get()
    expect(emma.locator(".bad-items")).to_contain_text("No photo for")
    assert wait_until(lambda: read_in(GROUP, "zh_CN"))
    # Emma switches her interface to Chinese: the stored reason is worded again.
    Profile.objects.filter(user__username="emma").update(language="zh-hans")
    emma.goto(f"{stack}{batch.get_absolute_url()}")
    bad = emma.locator(".bad-items")
    expect(bad).to_contain_text("没有此名称的")
    expect(bad).to_contain_text("人脸：第 2 人")  # the app's Chinese label
    expect(bad).not_to_contain_text("No photo for")
    expect(bad).not_to_contain_text("person 2")
