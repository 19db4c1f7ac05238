"""A batch item's reason is stored as a code with its values and worded on the page in
the reader's language, the form's labels in that language too (generator/batches/
reasons.py); A1's own refusals keep A1's code; English rows from before are turned into
codes by a data migration."""

import importlib

from django.utils import translation

from a1 import A1Error, Code
from generator.batches.reasons import reason_problems, reason_refused, reason_words
from generator.errors import SubmitRefused
from generator.models import Batch, BatchItem
from generator.runs.inputs import Said
from generator.runs.messages import user_message
from tests.base import photo
from tests.batches.base import BatchTestCase

GROUP_PILE = "photos_cnet_1838546335507168010_p0"

migration = importlib.import_module(
    "generator.migrations.0032_batch_item_reasons_with_labels_and_refusals_become_codes"
)


class ReasonWordsTests(BatchTestCase):
    def group_batch(self) -> Batch:
        """Anna has both photos, Ben only the first: Ben's item names the missing one."""
        self.login()
        app = self.sandbox.app_with("group_photo")["id"]
        response = self.client.post(
            f"/apps/{app}/batch/",
            {
                GROUP_PILE: [photo("anna_1.jpg"), photo("anna_2.jpg"), photo("ben_1.jpg")],
                "style": "183854633550716811",
                "generate_num": "1",
            },
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 302, response.content[:500]
        return Batch.objects.get()

    def test_a_reason_naming_a_field_shows_in_chinese_on_a_chinese_page(self):
        batch = self.group_batch()
        ben = batch.items.get(label="ben")
        assert ben.reason.startswith("msg:")  # a code with its values, not words
        # The app was read in Chinese once (a Chinese member opened it).
        self.client.get(f"/apps/{batch.app_id}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        zh = self.client.get(batch.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans")
        html = zh.content.decode()
        assert "没有此名称的" in html and "第 2 人" in html
        assert "好友合照" in html and "Friends group photo" not in html  # the app's name too
        assert "No photo for" not in html and "person 2" not in html
        en = self.client.get(batch.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "No photo for" in en and "person 2" in en and "没有此名称的" not in en

    def test_without_the_apps_japanese_the_label_is_the_apps_own(self):
        batch = self.group_batch()
        html = self.client.get(batch.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ja")
        text = html.content.decode()
        # The sentence in Japanese; the field's name as the app has it (A1 has no
        # Japanese for it), "person 2" in Japanese.
        assert "この名前の Faces：2 人目 の写真がありません。" in text
        assert "No photo for" not in text and "person 2" not in text

    def test_a1s_refusal_is_its_code_and_worded_when_shown(self):
        stored = reason_refused(
            message=user_message(A1Error(Code.INVALID_PARAMS)), code=Code.INVALID_PARAMS
        )
        assert stored == f"a1:{Code.INVALID_PARAMS}"
        with translation.override("ja"):
            assert reason_words(stored) == str(
                translation.gettext(
                    "A1 did not accept these values. Check the fields and try again."
                )
            )
            assert "A1" in reason_words(stored) and "Check the fields" not in reason_words(stored)
        # Our own refusal that reuses an A1 code keeps its own words.
        assert reason_refused(message="Something else.", code=Code.INVALID_PARAMS) == (
            "Something else."
        )

    def test_form_problems_are_kept_with_their_fields(self):
        stored = reason_problems({"desc_1": Said("This field is required.")})
        with translation.override("zh-hans"):
            assert reason_words(stored, {"desc_1": "名字"}) == "名字: 此项为必填项。"
            assert reason_words(stored) == "此项为必填项。"  # no labels: the message alone
        error = SubmitRefused("x", problems={"desc_1": Said("This field is required.")})
        assert all(isinstance(v, Said) for v in error.problems.values())

    def test_english_rows_from_before_become_codes(self):
        batch = self.group_batch()
        item = batch.items.get(label="ben")
        old = {
            "Missing: Name.": "缺少：Name。",
            "A1 did not accept these values. Check the fields and try again.": "A1 不接受",
            "This field is required. Choose one of the sizes.": "此项为必填项",
            "Ein Grund auf Deutsch.": "Ein Grund auf Deutsch.",
        }
        for words, chinese in old.items():
            BatchItem.objects.filter(pk=item.pk).update(reason=words)
            migration.reasons_to_codes(_Apps(), None)
            item.refresh_from_db()
            with translation.override("zh-hans"):
                assert chinese in item.reason_text, (words, item.reason)


class _Apps:
    """What a migration's `apps` gives, for the models this one reads."""

    def get_model(self, app_label, name):
        return BatchItem
