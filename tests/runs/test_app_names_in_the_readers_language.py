"""App names and labels in the reader's interface language, with a fixed fallback (the
app's own language), and the app-language select offering only what A1 has.

A1 gives no list of an app's languages: asked for one it lacks, it answers in the app's
own. The sandbox's Character sheet has English, Chinese and Japanese; Watercolor
portrait English and Chinese; Emoji maker publishes in Chinese.
"""

from generator.models import AppDefinition
from generator.runs.definitions import app_languages, app_languages_read, app_names
from library.models import LibraryEntry
from tests.base import WATERCOLOR, BaseTestCase
from tests.library.base import CHARACTER, EMOJI, LibraryMixin


def read_every_language(app_id: str) -> None:
    """What the worker does after an app's first read (read_app_languages)."""
    newest = AppDefinition.objects.filter(app_id=app_id).latest("fetched_at")
    app_languages_read(app_id=app_id, version_id=newest.version_id)


class AppNamesTests(LibraryMixin, BaseTestCase):
    def test_it_shows_each_reader_the_name_in_their_own_language(self):
        self.login()
        self.add(CHARACTER)
        read_every_language(CHARACTER)
        pages = {
            code: self.client.get("/apps/", HTTP_ACCEPT_LANGUAGE=code).content.decode()
            for code in ("en", "zh-hans", "ja")
        }
        assert "キャラクターシート" in pages["ja"] and "Character sheet" not in pages["ja"]
        assert "角色设定" in pages["zh-hans"] and "キャラクターシート" not in pages["zh-hans"]
        assert "Character sheet" in pages["en"] and "角色设定" not in pages["en"]

    def test_the_name_never_follows_the_language_it_was_last_read_in(self):
        self.login()
        self.add(WATERCOLOR)  # read in English
        # A Japanese reader opens it: A1 has no Japanese and answers in English.
        self.client.get(f"/apps/{WATERCOLOR}/", HTTP_ACCEPT_LANGUAGE="ja")
        # A Chinese reader opens it last.
        self.client.get(f"/apps/{WATERCOLOR}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert AppDefinition.objects.filter(app_id=WATERCOLOR, language="ja_JP").get().name == (
            "Watercolor portrait"
        )
        assert not AppDefinition.objects.get(app_id=WATERCOLOR, language="ja_JP").in_language
        ja = self.client.get("/apps/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
        en = self.client.get("/apps/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        # The Japanese reader gets the app's own (English), not the Chinese read last.
        assert "Watercolor portrait" in ja and "水彩肖像" not in ja
        assert "Watercolor portrait" in en and "水彩肖像" not in en

    def test_an_app_published_in_chinese_falls_back_to_chinese_for_everyone(self):
        self.login()
        self.client.get(f"/apps/{EMOJI}/", HTTP_ACCEPT_LANGUAGE="ja")  # A1 answers in Chinese
        for language in ("ja_JP", "zh_TW", "ru_RU"):
            assert app_names(app_ids=[EMOJI], language=language)[EMOJI] == ("表情包制作", "zh_CN")
        self.client.get(f"/apps/{EMOJI}/", HTTP_ACCEPT_LANGUAGE="en")
        assert app_names(app_ids=[EMOJI], language="en_US")[EMOJI][0] == "Emoji maker"
        assert app_names(app_ids=[EMOJI], language="ja_JP")[EMOJI][0] == "表情包制作"

    def test_a_reader_of_traditional_chinese_gets_simplified_before_english(self):
        self.login()
        self.add(WATERCOLOR)
        read_every_language(WATERCOLOR)  # A1 has English and Simplified Chinese only
        assert not AppDefinition.objects.get(app_id=WATERCOLOR, language="zh_TW").in_language
        html = self.client.get("/apps/", HTTP_ACCEPT_LANGUAGE="zh-hant").content.decode()
        assert "水彩肖像" in html and "Watercolor portrait" not in html
        ja = self.client.get("/apps/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
        assert "Watercolor portrait" in ja and "水彩肖像" not in ja  # the app's own

    def test_reading_a_page_never_asks_a1_for_another_language(self):
        self.login()
        self.add(CHARACTER)
        before = self.sandbox.calls("app")
        for code in ("en", "zh-hans", "zh-hant", "ja"):
            self.client.get("/apps/", HTTP_ACCEPT_LANGUAGE=code)
            self.client.get("/history/", HTTP_ACCEPT_LANGUAGE=code)
        assert self.sandbox.calls("app") == before
        assert LibraryEntry.objects.filter(app__app_id=CHARACTER).exists()


class AppLanguageSelectTests(BaseTestCase):
    def setUp(self):
        self.login()

    def select(self, html: str) -> str:
        start = html.index('<select id="app-language"')
        return html[start : html.index("</select>", start)]

    def test_it_offers_only_the_languages_a1_has_for_the_app(self):
        self.client.get(f"/apps/{WATERCOLOR}/")
        read_every_language(WATERCOLOR)
        assert app_languages(app_id=WATERCOLOR) == ["en_US", "zh_CN"]
        select = self.select(self.client.get(f"/apps/{WATERCOLOR}/").content.decode())
        assert 'value="en_US" selected' in select and 'value="zh_CN"' in select
        assert "日本語" not in select and "繁體中文" not in select and "Русский" not in select

        self.client.get(f"/apps/{CHARACTER}/")
        read_every_language(CHARACTER)
        select = self.select(self.client.get(f"/apps/{CHARACTER}/").content.decode())
        assert ">日本語</option>" in select and ">简体中文</option>" in select
        assert "繁體中文" not in select

    def test_it_names_the_language_the_form_is_really_in(self):
        self.client.get(f"/apps/{WATERCOLOR}/")
        read_every_language(WATERCOLOR)
        html = self.client.get(f"/apps/{WATERCOLOR}/?language=ja_JP").content.decode()
        # A1 has no Japanese: the form is English, and so is the select.
        assert 'value="en_US" selected' in self.select(html)
        assert "A1 has no 日本語 text for this app" in html

    def test_the_worker_reads_each_language_once(self):
        self.client.get(f"/apps/{CHARACTER}/")
        read_every_language(CHARACTER)
        calls = self.sandbox.calls("app")
        read_every_language(CHARACTER)
        assert self.sandbox.calls("app") == calls
        assert set(
            AppDefinition.objects.filter(app_id=CHARACTER, in_language=True).values_list(
                "language", flat=True
            )
        ) == {"", "en_US", "zh_CN", "ja_JP"}
