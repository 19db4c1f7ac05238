"""Screenshots of every page at 1280 and 390 px, light and dark, in every language.

Not part of the suite (skipped unless SCREENSHOTS=1): it is how the interface is looked
at. `SCREENSHOTS=1 .venv/bin/python -m pytest tests/e2e/test_screenshots.py` writes them
to test-artifacts/screenshots/; open them and look. SCREENSHOT_LANGUAGES, SCREENSHOT_THEMES
and SCREENSHOT_PAGES (comma-separated) narrow it down, e.g. to look at one language's
wording. With LIGHTHOUSE=1 as well it also runs Lighthouse on every page in both themes
(tools/lighthouse, see docs/interface.md).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import uuid

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import Profile
from generator.models import AppDefinition, Batch, BatchItem, Membership, ResultImage, Run, Team
from generator.teams.services import invite_create
from tests.conftest import ROOT, free_port, image_bytes, subprocess_env, wait_until
from tests.e2e.conftest import ARTIFACTS, PASSWORD
from tests.runs.test_copies_wait_for_storage import storage_away

pytestmark = pytest.mark.skipif(
    not os.environ.get("SCREENSHOTS"), reason="screenshots are taken on demand (SCREENSHOTS=1)"
)

WATERCOLOR = "1838546335502970881"
GROUP = "1838546335502970884"
CHARACTER = "1838546335502970883"  # English, Chinese and Japanese at the sandbox
WIDTHS = {"desk": (1280, 900), "phone": (390, 844)}
# Where a reader of each language sits: their browser's locale and zone, which is also the
# zone on their profile. (Headless Chromium still draws date inputs mm/dd/yyyy.)
PLACES = {
    "en": ("en-GB", "Europe/London"),
    "zh-hans": ("zh-CN", "Asia/Shanghai"),
    "zh-hant": ("zh-TW", "Asia/Taipei"),
    "ja": ("ja-JP", "Asia/Tokyo"),
}


def _chosen(variable: str, default: list[str]) -> list[str]:
    return [v.strip() for v in os.environ.get(variable, "").split(",") if v.strip()] or default


THEMES = _chosen("SCREENSHOT_THEMES", ["light", "dark"])
LANGUAGES = _chosen("SCREENSHOT_LANGUAGES", [code for code, _name in settings.LANGUAGES])


def _photo(name: str, color: str):
    return SimpleUploadedFile(name, image_bytes(size=(480, 640), color=color))


def _key(client: Client, url: str) -> str:
    html = client.get(url).content.decode()
    return html.split('name="idempotency_key" value="')[1].split('"')[0]


@pytest.fixture
def world(stack, transactional_db, settings, sandbox):
    """A staff manager with finished, running, enhanced, shared and deleted runs."""
    settings.OPEN_SIGNUP = True
    settings.EMAIL_CONFIGURED = True  # the reset page with its form (nothing is sent here)
    stack_sandbox = sandbox
    # Covers come from the sandbox, which is on another port than the one settings
    # were first read with.
    settings.SECURE_CSP = {
        **settings.SECURE_CSP,
        "img-src": [*settings.SECURE_CSP["img-src"], settings.A1_BASE_URL],
    }
    User = get_user_model()
    demo = User.objects.create_user("demo", password=PASSWORD, is_staff=True, is_superuser=True)
    mate = User.objects.create_user("mika", password=PASSWORD)
    team = Team.objects.create(name="Studio")
    Membership.objects.create(team=team, user=demo, role="manager")
    Membership.objects.create(team=team, user=mate)
    client = Client()
    client.force_login(demo)
    for colour, extra in (("orange", {}), ("teal", {"visibility": "team", "team": team.id})):
        key = _key(client, f"/apps/{WATERCOLOR}/")
        data = {
            "idempotency_key": key,
            "cnet_17466175263110005": _photo("portrait.jpg", colour),
            "desc_1838546335507165192": "auburn",
            "style": "183854633550716522",
            "size": "1",
            "generate_num": "2",
            **extra,
        }
        assert client.post(f"/apps/{WATERCOLOR}/", data).status_code == 302
    key = _key(client, f"/apps/{GROUP}/")
    client.post(
        f"/apps/{GROUP}/",
        {
            "idempotency_key": key,
            "cnet_1838546335507168010_p0": _photo("ana.jpg", "pink"),
            "cnet_1838546335507168010_p1": _photo("ben.jpg", "navy"),
            "style": "183854633550716811",
            "generate_num": "1",
        },
    )
    assert wait_until(lambda: not Run.objects.exclude(state="completed").exists(), timeout=60), (
        list(Run.objects.values_list("state", flat=True))
    )
    first = Run.objects.filter(app_id=WATERCOLOR).order_by("created").first()
    client.post(
        "/enhance/", {"result": str(first.results.first().id), "idempotency_key": uuid.uuid4()}
    )
    enhanced = Run.objects.get(kind="enhance")
    wait_until(lambda: Run.objects.get(pk=enhanced.pk).state == "completed", timeout=60)
    trashed = Run.objects.filter(app_id=GROUP).first()
    client.post(f"/generations/{trashed.id}/delete/")
    client.get("/history/")  # the undo notice is shown once
    invite = invite_create(team=team, by=demo)
    # A draft batch, checked: two photos ready, one that is not a photo.
    batch_photos = [_photo(f"staff-{n}.jpg", colour) for n, colour in enumerate(("tan", "plum"))]
    batch_photos.append(SimpleUploadedFile("notes.jpg", b"not a photo at all", "image/jpeg"))
    response = client.post(
        f"/apps/{WATERCOLOR}/batch/",
        {"photos_cnet_17466175263110005": batch_photos, "style": "183854633550716522",
         "size": "1", "generate_num": "1", "desc_1838546335507165192": "auburn"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = Batch.objects.get(user=demo)
    assert wait_until(
        lambda: not BatchItem.objects.filter(batch=batch, state="checking").exists(), timeout=60
    )
    client.post("/account/keys/", {"name": "Nightly posters", "monthly_points": "200"})
    # Two entries in the team's audit log.
    mate_membership = Membership.objects.get(team=team, user=mate)
    for role in ("manager", "member"):
        client.post(f"/team/{team.id}/members/{mate_membership.pk}/role/", {"role": role})
    # The app in the personal library, with a preset, so its card there lists one.
    client.post("/apps/library/add/", {"library": "personal", "apps": f"{WATERCOLOR}\n{CHARACTER}"})
    # A group-photo batch whose second item lacks a person's photo: its reason names
    # the app's field, worded in each reader's language.
    response = client.post(
        f"/apps/{GROUP}/batch/",
        {"photos_cnet_1838546335507168010_p0": [_photo(n, c) for n, c in (
            ("anna_1.jpg", "pink"), ("anna_2.jpg", "navy"), ("ben_1.jpg", "tan"))],
         "style": "183854633550716811", "generate_num": "1"},
    )  # fmt: skip
    group_batch = Batch.objects.filter(user=demo, app_id=GROUP).get()
    # The worker reads each app in A1's other languages after its first read.
    assert wait_until(
        lambda: all(
            AppDefinition.objects.filter(app_id=app_id, language="ja_JP").exists()
            for app_id in (WATERCOLOR, GROUP, CHARACTER)
        ),
        timeout=60,
    )
    response = client.post(
        f"/apps/{WATERCOLOR}/presets/",
        {"idempotency_key": _key(client, f"/apps/{WATERCOLOR}/"), "preset_name": "Auburn, soft",
         "style": "183854633550716522", "size": "1", "generate_num": "1",
         "desc_1838546335507165192": "auburn", "team": team.id, "visibility": "private"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    # A member's batch over the team's approval threshold, waiting for a manager.
    Team.objects.filter(pk=team.pk).update(approval_threshold=2)
    member = Client()
    member.force_login(mate)
    asked = [_photo(f"mika-{n}.jpg", colour) for n, colour in enumerate(("tan", "plum", "teal"))]
    response = member.post(
        f"/apps/{WATERCOLOR}/batch/",
        {"photos_cnet_17466175263110005": asked, "style": "183854633550716522",
         "size": "1", "generate_num": "1", "desc_1838546335507165192": "auburn"},
    )  # fmt: skip
    waiting = Batch.objects.get(user=mate)
    assert wait_until(
        lambda: not BatchItem.objects.filter(batch=waiting, state="checking").exists(), timeout=60
    )
    member.post(f"/batches/{waiting.pk}/start/")
    # Three photos shared from a phone: the chooser, and the batch form they open.
    shared = client.post(
        "/share/",
        {"photos": [_photo(f"IMG_00{n}.jpg", c) for n, c in ((41, "tan"), (42, "plum"), (43, "teal"))]},
        headers={"Sec-Fetch-Site": "none"},
    )  # fmt: skip
    assert shared.status_code == 302, shared.content.decode()[:2000]
    picked = client.post(
        "/share/choose/",
        {"photo": [p.split("=")[1] for p in shared["Location"].split("?")[1].split("&")],
         "app": WATERCOLOR},
    )  # fmt: skip
    done = _finished_batch(client) if "batch-done" in _chosen("SCREENSHOT_PAGES", []) else None
    return {
        "batch_done": done,
        "share_choose": shared["Location"],
        "batch_shared": picked["Location"],
        "sandbox": stack_sandbox,
        "settings": settings,
        "demo": demo,
        "team": team,
        "run": first,
        "enhanced": enhanced,
        "invite": invite.token,
        "group_run": trashed,
        "batch": batch,
        "group_batch": group_batch,
        "waiting": waiting,
        "pair": [
            str(pk) for pk in first.results.order_by("index").values_list("pk", flat=True)[:2]
        ],
    }


def _finished_batch(client: Client) -> Batch:
    """A batch of three started and finished: its results are listed in the items' order.
    Only made when SCREENSHOT_PAGES asks for batch-done (it adds three runs to history)."""
    response = client.post(
        f"/apps/{WATERCOLOR}/batch/",
        {"photos_cnet_17466175263110005": [_photo(f"done-{n}.jpg", c) for n, c in
            enumerate(("olive", "coral", "skyblue"))],
         "style": "183854633550716522", "size": "1", "generate_num": "1",
         "desc_1838546335507165192": "auburn"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = Batch.objects.filter(items__label="done-0.jpg").distinct().get()
    # Under the team's approval threshold set above for the waiting batch: this one runs.
    Team.objects.update(approval_threshold=None)
    assert wait_until(
        lambda: not BatchItem.objects.filter(batch=batch, state="checking").exists(), timeout=60
    )
    client.post(f"/batches/{batch.pk}/start/")
    Team.objects.update(approval_threshold=2)
    assert wait_until(
        lambda: (
            Batch.objects.get(pk=batch.pk).state == Batch.State.DONE
            and not Run.objects.filter(batch_item__batch=batch).exclude(state="completed").exists()
        ),
        timeout=120,
    ), Batch.objects.get(pk=batch.pk).state
    return batch


def pages(world) -> list[tuple[str, str, bool]]:
    """(name, path, logged in)."""
    chosen = _chosen("SCREENSHOT_PAGES", [])
    every = [
        ("login", "/accounts/login/", False),
        ("signup", "/accounts/signup/", False),
        ("join", f"/team/join/{world['invite']}/", False),
        ("password-reset", "/accounts/password_reset/", False),
        ("password-reset-sent", "/accounts/password_reset/sent/", False),
        ("offline", "/offline/", False),
        ("apps", "/apps/", True),
        ("apps-personal", "/apps/?library=personal", True),
        ("app-form", f"/apps/{WATERCOLOR}/", True),
        ("app-group-form", f"/apps/{GROUP}/", True),
        ("app-unavailable", "/apps/1838546335502970888/", True),
        ("run", f"/generations/{world['run'].id}/", True),
        ("run-enhanced", f"/generations/{world['enhanced'].id}/", True),
        ("enhance", "/enhance/", True),
        ("history", "/history/", True),
        ("history-reversed", "/history/?date_from=2026-12-07&date_to=2026-12-01", True),
        ("running", "/running/", True),
        ("use-as-input", "/results/{}/use/".format(world["pair"][0]), True),
        ("share-choose", world["share_choose"], True),
        ("batch-shared", world["batch_shared"], True),
        ("trash", "/trash/", True),
        ("team", "/team/", True),
        ("usage", "/usage/", True),
        ("batch", f"/batches/{world['batch'].pk}/", True),
        ("batch-group", f"/batches/{world['group_batch'].pk}/", True),
        ("batch-done", f"/batches/{world['batch_done'] and world['batch_done'].pk}/", True),
        ("batch-new", f"/apps/{WATERCOLOR}/batch/", True),
        ("app-three-languages", f"/apps/{CHARACTER}/", True),
        ("batches", "/batches/", True),
        ("batch-awaiting", f"/batches/{world['waiting'].pk}/", True),
        ("approvals", "/approvals/", True),
        ("approval", f"/approvals/{world['waiting'].approvals.get().pk}/", True),
        ("compare", "/compare/?r={}&r={}".format(*world["pair"]), True),
        ("account", "/account/", True),
        ("profile", "/accounts/profile/", True),
        ("password-change", "/accounts/password_change/", True),
        ("staff-data", "/staff/data/", True),
        ("audit-log", "/staff/audit/", True),
        ("team-audit-log", f"/team/{world['team'].pk}/audit/", True),
        ("api-keys", "/account/keys/", True),
        ("api-docs", "/api/v1/docs", True),
        ("not-found", "/no/such/page/", True),
    ]
    return [page for page in every if (not chosen and page[0] != "batch-done") or page[0] in chosen]


def test_it_takes_screenshots_of_every_page(world, browser, live_server):
    out = ARTIFACTS / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    session = {}
    for width_name, (width, height) in WIDTHS.items():
        for theme in THEMES:
            for language in LANGUAGES:
                context = browser.new_context(
                    viewport={"width": width, "height": height},
                    color_scheme=theme,
                    device_scale_factor=1,
                    is_mobile=width_name == "phone",
                    has_touch=width_name == "phone",
                    locale=PLACES[language][0],
                    timezone_id=PLACES[language][1],
                )
                Profile.objects.update_or_create(
                    user=world["demo"], defaults={"time_zone": PLACES[language][1]}
                )
                context.add_cookies([{"name": "django_language", "value": language, "url": base}])
                anonymous = context.new_page()
                for name, path, logged_in in pages(world):
                    if logged_in:
                        continue
                    anonymous.goto(base + path)
                    anonymous.screenshot(
                        path=str(out / f"{name}-{width_name}-{theme}-{language}.png"),
                        full_page=True,
                    )
                page = anonymous
                page.goto(f"{base}/accounts/login/")
                page.fill("#id_username", "demo")
                page.fill("#id_password", PASSWORD)
                page.locator("main button[type=submit]").click()
                page.wait_for_url("**/apps/")
                for name, path, logged_in in pages(world):
                    if not logged_in:
                        continue
                    page.goto(base + path)
                    page.wait_for_load_state("networkidle")
                    page.screenshot(
                        path=str(out / f"{name}-{width_name}-{theme}-{language}.png"),
                        full_page=True,
                    )
                _interactive_shots(
                    page, base, world, out, language, f"{width_name}-{theme}-{language}"
                )
                if width_name == "phone" and theme == "light" and language == "en":
                    page.goto(base + "/apps/")
                    page.locator("[data-menu-toggle]").click()
                    page.screenshot(path=str(out / "menu-open-phone-light-en.png"))
                    session["cookie"] = next(
                        c["value"] for c in context.cookies() if c["name"] == "sessionid"
                    )
                context.close()
    if os.environ.get("LIGHTHOUSE"):
        with production_web(world["sandbox"], world["settings"]) as prod:
            _lighthouse(prod, world, session["cookie"])


def _interactive_shots(page, base: str, world, out, language: str, suffix: str) -> None:
    """States a page only reaches through a click or a moment: the viewer, the bulk bar,
    the run's compare ticks, compare's slider, a run being saved. The viewer and bar in
    English and Chinese unless SCREENSHOT_LANGUAGES names the languages (then in those)."""
    chosen = _chosen("SCREENSHOT_PAGES", [])
    if not chosen or "share-storage-away" in chosen:
        _share_with_storage_away(page, base, out, suffix)
    if not chosen or "run-copying" in chosen:
        _run_copying(page, base, world, out, suffix)
    # The slider is a phone's way to lay two results over each other (a desk shows both).
    if suffix.startswith("phone") and (not chosen or "compare-slider" in chosen):
        page.goto(base + "/compare/?r={}&r={}".format(*world["pair"]))
        page.locator("[data-compare-slide]").click()
        page.locator("[data-compare-slider]").wait_for(state="visible")
        page.screenshot(path=str(out / f"compare-slider-{suffix}.png"), full_page=True)
    if language not in ("en", "zh-hans") and not os.environ.get("SCREENSHOT_LANGUAGES"):
        return
    if not chosen or "viewer-open" in chosen:
        page.goto(base + "/history/")
        page.locator(".card-zoom").first.click()
        page.locator(".pswp[role=dialog]").wait_for(state="visible")
        # Opened, not mid-fade: the backdrop has reached the opacity viewer.js asks for.
        page.wait_for_function(
            "() => getComputedStyle(document.querySelector('.pswp__bg')).opacity === '1'"
        )
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(out / f"viewer-open-{suffix}.png"))
    if not chosen or "bulk-bar" in chosen:
        page.goto(base + "/history/")
        picks = page.locator(".card-pick")
        picks.nth(0).check()
        picks.nth(1).check()
        page.locator("[data-bulk-bar] #bulk-form").wait_for(state="visible")
        page.screenshot(path=str(out / f"bulk-bar-{suffix}.png"))
    if language == "en" and (not chosen or "run-compare-picks" in chosen):
        page.goto(base + f"/generations/{world['run'].id}/")
        picks = page.locator(".compare-pick input")
        picks.nth(0).check()
        picks.nth(1).check()
        page.screenshot(path=str(out / f"run-compare-picks-{suffix}.png"), full_page=True)


def _run_copying(page, base: str, world, out, suffix: str) -> None:
    """The first run caught while its four images are saved, two of them so far: its page
    and its history card show a place per image. Put back as it was afterwards (no poll
    is due, so the worker leaves it alone meanwhile)."""
    run = world["run"]
    Run.objects.filter(pk=run.pk).update(state=Run.State.COPYING, generate_num=4)
    waiting = [
        ResultImage.objects.create(run=run, index=n, upstream_url=f"https://a1.example/{n}.png")
        for n in (2, 3)
    ]
    try:
        page.goto(base + f"/generations/{run.id}/")
        page.locator(".result-slots").wait_for()
        page.screenshot(path=str(out / f"run-copying-{suffix}.png"), full_page=True)
        page.goto(base + "/history/")
        card = page.locator(f"#card-{run.pk}")
        card.locator(".slot").first.wait_for()
        card.evaluate("card => card.scrollIntoView({block: 'center'})")
        page.screenshot(path=str(out / f"history-copying-{suffix}.png"))  # the card in view
    finally:
        ResultImage.objects.filter(pk__in=[r.pk for r in waiting]).delete()
        Run.objects.filter(pk=run.pk).update(
            state=Run.State.COMPLETED, generate_num=run.generate_num
        )


def _share_with_storage_away(page, base: str, out, suffix: str) -> None:
    """A photo shared while our storage is away: the share's own page says so."""
    with storage_away():
        page.goto(base + "/apps/")
        page.evaluate(
            """() => {
              const form = Object.assign(document.createElement("form"), {
                method: "post", action: "/share/", enctype: "multipart/form-data" });
              form.append(Object.assign(document.createElement("input"), {
                type: "file", name: "photos" }));
              form.id = "share-sheet";
              document.body.append(form);
            }"""
        )
        page.locator("#share-sheet input").set_input_files(
            [{"name": "IMG_0042.jpg", "mimeType": "image/jpeg", "buffer": image_bytes()}]
        )
        with page.expect_navigation():
            page.evaluate("() => document.getElementById('share-sheet').submit()")
        page.locator(".error-summary").wait_for()
        page.screenshot(path=str(out / f"share-storage-away-{suffix}.png"), full_page=True)


@contextlib.contextmanager
def production_web(sandbox, settings):
    """The production profile (gunicorn, DEBUG off, compressed hashed static files, as
    `make prod` runs it) on this test's database: what Lighthouse should measure."""
    env = subprocess_env(
        sandbox,
        settings,
        DEBUG="0",
        FAST_PASSWORD_HASHER_FOR_TESTS="",  # refused with DEBUG off (a1site/settings.py)
        SECRET_KEY=settings.SECRET_KEY,  # the browser's session cookie stays valid
        OPEN_SIGNUP="1",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        SECURE_HSTS_SECONDS="0",
        LOG_LEVEL="WARNING",
    )
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, check=True)
    port = free_port()
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "a1site.wsgi:application",
         "--config", str(ROOT / "a1site" / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        env=env, cwd=ROOT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_until(lambda: _answers(url), timeout=30)
        yield url
    finally:
        web.terminate()
        web.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        requests.get(f"{url}/ping", timeout=2)
    except requests.RequestException:  # not up yet, or still starting on a busy machine
        return False
    return True


def _lighthouse(base: str, world, session_cookie: str) -> None:
    """Every page in both themes, phone-sized, through tools/lighthouse/run.mjs."""
    targets = [
        {"name": name, "url": base + path, "cookie": session_cookie if logged_in else ""}
        for name, path, logged_in in pages(world)
    ]
    report = ARTIFACTS / "lighthouse.json"
    subprocess.run(
        ["node", str(ROOT / "tools" / "lighthouse" / "run.mjs"), str(report)],
        input=json.dumps(targets),
        text=True,
        check=True,
        timeout=1800,
    )
