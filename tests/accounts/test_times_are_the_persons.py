"""Every time in the person's own zone, with the zone said, in one date format per
language; recent times relative, with the exact time on hover."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from accounts.models import Profile
from generator.models import Run
from tests.base import TrackingTestCase

# 00:38 in London is 09:38 in Tokyo, and 08:38 in Shanghai and Taipei.
MORNING_IN_TOKYO = datetime(2025, 11, 3, 0, 38, tzinfo=UTC)


class TimeTests(TrackingTestCase):
    def run_at(self, when: datetime) -> Run:
        run = self.finished()
        Run.objects.filter(pk=run.pk).update(created=when)
        return run

    def test_a_person_in_tokyo_sees_local_times_with_the_zone(self):
        Profile.objects.create(user=self.owner, time_zone="Asia/Tokyo")
        run = self.run_at(MORNING_IN_TOKYO)
        detail = self.client.get(f"/generations/{run.pk}/").content.decode()
        assert '<time datetime="2025-11-03T09:38:00+09:00">3 Nov 2025, 09:38 JST</time>' in detail
        history = self.client.get("/history/").content.decode()
        assert (
            '<time datetime="2025-11-03T09:38:00+09:00" title="3 Nov 2025, 09:38 JST">'
            "3 Nov 2025, 09:38</time>"
        ) in history
        assert "0:38" not in history and "a.m." not in history

    def test_the_same_run_in_shanghai_in_chinese_and_in_japanese(self):
        Profile.objects.create(user=self.owner, time_zone="Asia/Shanghai", language="zh-hans")
        run = self.run_at(MORNING_IN_TOKYO)
        detail = self.client.get(f"/generations/{run.pk}/").content.decode()
        # "CST" would also be America's Central time: an offset says it once.
        assert ">2025年11月3日 08:38 UTC+8</time>" in detail
        Profile.objects.filter(user=self.owner).update(time_zone="Asia/Tokyo", language="ja")
        detail = self.client.get(f"/generations/{run.pk}/").content.decode()
        assert ">2025年11月3日 09:38 JST</time>" in detail

    def test_a_recent_run_says_how_long_ago_with_the_exact_time_on_hover(self):
        Profile.objects.create(user=self.owner, time_zone="Asia/Taipei")
        self.run_at(timezone.now() - timedelta(minutes=3))
        history = self.client.get("/history/").content.decode()
        found = re.search(r'<time datetime="[^"]+\+08:00" title="([^"]+)">([^<]+)</time>', history)
        assert found, history
        assert found.group(2) == "3\xa0minutes ago"
        assert found.group(1).endswith(" UTC+8")

    def test_no_numeric_date_is_month_first(self):
        run = self.run_at(MORNING_IN_TOKYO)
        for language in ("en", "zh-hans", "zh-hant", "ja"):
            Profile.objects.update_or_create(user=self.owner, defaults={"language": language})
            for path in ("/history/", f"/generations/{run.pk}/", "/account/keys/", "/trash/"):
                page = self.client.get(path).content.decode()
                assert not re.search(r"\b11/03/2025\b|\bNov\. 3\b", page), (language, path)
