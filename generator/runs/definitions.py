"""App definitions: fetched from A1 in the user's language, cached per version."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, IntegerField, Max, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.tasks import task
from django.utils import timezone
from django.utils.translation import get_language

from a1 import A1Error
from a1 import App as A1App
from a1.client import LANGUAGES
from a1.errors import APP_UNAVAILABLE_CODES
from generator.audit.models import Act
from generator.audit.record import audit_record
from generator.models import AppDefinition, AppVisit, GalleryStamp
from generator.runs.messages import user_message
from generator.runs.upstream import a1_client

logger = logging.getLogger(__name__)

UNAVAILABLE_SECONDS = 300
# Asked for no language, A1 answers in the app's publishing language: kept under "".
PUBLISHING_LANGUAGE = ""


def a1_language(language: str | None = None) -> str:
    """A1's language code for a Django language code."""
    language = (language or get_language() or "en").lower()
    if language in ("zh-hans", "zh-cn", "zh"):
        return "zh_CN"
    if language in ("zh-hant", "zh-tw", "zh-hk"):
        return "zh_TW"
    if language.startswith("ja"):
        return "ja_JP"
    return "en_US"


def app_text_language(app: A1App) -> str:
    """The language A1's texts for an app are written in, told by their script: kana is
    Japanese (ja_JP), other Han characters Chinese ("zh"), Latin letters English (en_US);
    "" when there is nothing to tell by. Asked for a language it has no text in, A1
    answers in the app's own language: this says which one that was."""
    texts = [app.name, *(f.name for f in app.forms), *(s.name for s in app.styles)]
    joined = "".join(texts)
    if any("\u3040" <= c <= "\u30ff" for c in joined):
        return "ja_JP"
    if any("\u4e00" <= c <= "\u9fff" for c in joined):
        return "zh"
    if any(c.isascii() and c.isalpha() for c in joined):
        return "en_US"
    return ""


# The interface's languages first, then A1's others: the order names fall back in
# after the reader's language and the app's own, the same for everyone.
LANGUAGE_ORDER = (
    "en_US",
    "zh_CN",
    "zh_TW",
    "ja_JP",
    *sorted(LANGUAGES - {"en_US", "zh_CN", "zh_TW", "ja_JP"}),
)
_SCRIPTS = {"ja_JP": "ja_JP", "zh_CN": "zh", "zh_TW": "zh", "en_US": "en_US"}
# A reader of one Chinese who finds no text in it reads the other before a third language.
SIBLING = {"zh_TW": "zh_CN", "zh_CN": "zh_TW"}


def _texts(app: A1App) -> list[str]:
    return [app.name, *(f.name for f in app.forms), *(s.name for s in app.styles)]


def app_answered_in(*, app: A1App, language: str, own: A1App | None = None) -> bool:
    """Whether A1 gave this app's texts in `language` (A1 code): False when it fell
    back to the app's own language. Told by the script for the interface's languages;
    for the others (Russian, Portuguese, ...) by differing from `own`, the app read in
    its own language, when that is known (else taken as given)."""
    if language == PUBLISHING_LANGUAGE:
        return True
    found = app_text_language(app)
    wanted = _SCRIPTS.get(language)
    if wanted is not None:
        return not found or found == wanted
    return own is None or _texts(own) != _texts(app)


class AppUnavailable(Exception):
    """A1 will not serve this app through the API (or it does not exist)."""

    def __init__(self, error: A1Error):
        super().__init__(str(error))
        self.error = error
        self.code = error.code

    @property
    def message(self) -> str:
        return user_message(self.error)


def app_fetch(*, app_id: str, language: str, force: bool = False) -> AppDefinition:
    """The app's definition, from our cache while fresh, else from A1.

    Raises AppUnavailable for apps A1 will not serve, A1Error when A1 cannot be asked.
    """
    latest = (
        AppDefinition.objects.filter(app_id=app_id, language=language)
        .order_by("-fetched_at")
        .first()
    )
    fresh_after = timezone.now() - timedelta(seconds=settings.APP_CACHE_SECONDS)
    if latest and not force and latest.fetched_at > fresh_after:
        return latest
    refused = cache.get(f"a1-app-refused:{app_id}")
    if refused and not force:
        raise AppUnavailable(A1Error(refused))
    try:
        app = a1_client().app(app_id, language=language)
    except A1Error as exc:
        if exc.code in APP_UNAVAILABLE_CODES:
            cache.set(f"a1-app-refused:{app_id}", exc.code, UNAVAILABLE_SECONDS)
            raise AppUnavailable(exc) from exc
        if latest is not None and exc.retry_safe:
            logger.warning("Using a stale definition of app %s: %s", app_id, exc)
            return latest
        raise
    return app_store(app_id=app_id, app=app, language=language)


def app_store(*, app_id: str, app: A1App, language: str) -> AppDefinition:
    """Cache what A1 just said about an app (one row per version and language)."""
    kept = (
        AppDefinition.objects.filter(app_id=app.id or app_id)
        .order_by("-fetched_at")
        .values("allowed", "cost_kind", "cost_points", "cost_source", "people_positions")
        .first()
    )
    allowed = kept["allowed"] if kept else None
    own = (
        AppDefinition.objects.filter(
            app_id=app.id or app_id, version_id=app.version_id, language=PUBLISHING_LANGUAGE
        )
        .only("definition")
        .first()
    )
    first_of_version = not AppDefinition.objects.filter(
        app_id=app.id or app_id, version_id=app.version_id
    ).exists()
    # A new version keeps what staff (or A1's 324011) said the app costs.
    charged = {k: v for k, v in (kept or {}).items() if k != "allowed"}
    definition, created = AppDefinition.objects.update_or_create(
        app_id=app.id or app_id,
        version_id=app.version_id,
        language=language,
        defaults={
            "name": app.name[:300],
            "cover": app.cover[:1000],
            "definition": app.to_json(),
            "raw": app.raw,
            "fetched_at": timezone.now(),
            "in_language": app_answered_in(
                app=app, language=language, own=own.app if own is not None else None
            ),
            # A new version keeps the allow-list decision staff made for the app.
            "allowed": settings.APPS_ALLOW_ANY if allowed is None else allowed,
            **charged,
        },
    )
    if created:  # a name in a new language or version: galleries show app names
        GalleryStamp.objects.bump(everyone=True)
    if first_of_version:
        # Which languages A1 has for it is learnt by the worker, never by a page.
        version = app.version_id
        transaction.on_commit(
            lambda: read_app_languages.enqueue(app_id=definition.app_id, version_id=version)
        )
    return definition


def app_languages_read(*, app_id: str, version_id: str) -> int:
    """Read one version of an app in each of A1's languages not cached yet (its own
    first), so names, labels and the language select know which A1 has. Stops at the
    first error (a rate limit, A1 away, a newer version): the daily watch or the next
    person to open the app carries on. Details cost nothing. Returns the reads made."""
    done = set(
        AppDefinition.objects.filter(app_id=app_id, version_id=version_id).values_list(
            "language", flat=True
        )
    )
    made = 0
    for language in (PUBLISHING_LANGUAGE, *LANGUAGE_ORDER):
        if language in done:
            continue
        try:
            app = a1_client().app(app_id, language=language or None)
        except A1Error as exc:
            logger.info("Languages of app %s: stopped at %s (%s)", app_id, language, exc)
            break
        if app.version_id != version_id:
            break
        app_store(app_id=app_id, app=app, language=language)
        made += 1
    return made


@task()
def read_app_languages(app_id: str, version_id: str) -> int:
    return app_languages_read(app_id=app_id, version_id=version_id)


def app_languages(*, app_id: str) -> list[str]:
    """A1's codes of the languages A1 has this app's texts in, as far as we have read
    it (newest version), in LANGUAGE_ORDER."""
    newest = (
        AppDefinition.objects.filter(app_id=app_id)
        .order_by("-fetched_at")
        .values_list("version_id", flat=True)
        .first()
    )
    found = set(
        AppDefinition.objects.filter(app_id=app_id, version_id=newest, in_language=True)
        .exclude(language=PUBLISHING_LANGUAGE)
        .values_list("language", flat=True)
    )
    return [language for language in LANGUAGE_ORDER if language in found]


def _ranked_names(app_id, language: str):
    """An app's cached names, best first for a reader of `language`: A1's name in that
    language where A1 has it; else the other Chinese for a reader of Chinese; else the
    app's own (what A1 answers for a language it lacks, the same for everyone); else in
    LANGUAGE_ORDER. Never "the last read"."""
    rows = AppDefinition.objects.filter(app_id=app_id).exclude(name="")
    order = [When(language=code, then=Value(n)) for n, code in enumerate(LANGUAGE_ORDER)]
    return rows.annotate(
        rank=Case(
            When(language=language, in_language=True, then=Value(-3)),
            When(language=SIBLING.get(language, "-"), in_language=True, then=Value(-2)),
            When(Q(language=PUBLISHING_LANGUAGE) | Q(in_language=False), then=Value(-1)),
            *order,
            default=Value(99),
            output_field=IntegerField(),
        )
    ).order_by("rank", "-fetched_at")


def app_name_expression(*, app_id, language: str, fallback=None):
    """The database expression for an app's name to a reader of `language` (A1's
    code), for lists that sort or filter on it; `app_id` may be an OuterRef."""
    best = Subquery(_ranked_names(app_id, language).values("name")[:1])
    return Coalesce(NullIf(best, Value("")), fallback) if fallback is not None else best


def app_names(*, app_ids, language: str) -> dict[str, tuple[str, str]]:
    """Each app's (name, A1 code of the language it is in) for a reader of `language`,
    chosen as `_ranked_names` says; apps never read are left out."""
    best: dict[str, tuple[int, str, str]] = {}
    rows = AppDefinition.objects.filter(app_id__in=list(app_ids)).exclude(name="")
    for app_id, code, name, in_language in rows.order_by("fetched_at").values_list(
        "app_id", "language", "name", "in_language"
    ):
        if code == language and in_language:
            rank, said = -3, code
        elif code == SIBLING.get(language) and in_language:
            rank, said = -2, code
        elif code == PUBLISHING_LANGUAGE or not in_language:
            rank, said = -1, name_script(name)
        else:
            rank = LANGUAGE_ORDER.index(code) if code in LANGUAGE_ORDER else 99
            said = code
        if app_id not in best or rank <= best[app_id][0]:
            best[app_id] = (rank, name, said)
    return {app_id: (name, said) for app_id, (_rank, name, said) in best.items()}


def name_script(text: str) -> str:
    """A1's code of the language a text is written in, told by its script ("" when
    it cannot be told, "zh_CN" for Han without kana)."""
    if any("\u3040" <= c <= "\u30ff" for c in text):
        return "ja_JP"
    if any("\u4e00" <= c <= "\u9fff" for c in text):
        return "zh_CN"
    if any(c.isascii() and c.isalpha() for c in text):
        return "en_US"
    return ""


def definition_for_reader(*, definition: AppDefinition, language: str) -> AppDefinition:
    """The same version of the app in the reader's language when A1 has it (cached),
    else the other Chinese for a reader of Chinese, else the app's own texts, else `definition` itself: for labels worded when shown.
    Never asks A1."""
    rows = AppDefinition.objects.filter(app_id=definition.app_id, version_id=definition.version_id)
    return (
        rows.filter(language=language, in_language=True).first()
        or rows.filter(language=SIBLING.get(language, "-"), in_language=True).first()
        or rows.filter(Q(language=PUBLISHING_LANGUAGE) | Q(in_language=False)).first()
        or definition
    )


def app_cost_set(*, app_id: str, kind: str, points: int | None, source: str = "staff") -> int:
    """What the portal quotes, holds and charges for this app from now on, in every
    version and language we keep (and the versions to come): `kind` "form" (`points`
    per image) or "node" (`points` per run), "" and None for what A1's details say.
    Runs already open keep the points they were quoted. Returns the rows changed."""
    if kind not in ("", "form", "node"):
        raise ValueError(f"kind {kind!r} is not form or node")
    with transaction.atomic():
        before = (
            AppDefinition.objects.filter(app_id=app_id).values("cost_kind", "cost_points").first()
        )
        changed = AppDefinition.objects.filter(app_id=app_id).update(
            cost_kind=kind, cost_points=points, cost_source=source if (kind or points) else ""
        )
        if changed and before != {"cost_kind": kind, "cost_points": points}:
            audit_record(
                act=Act.SETTING_CHANGED,
                target=f"app {app_id} cost",
                before=before,
                after={"cost_kind": kind, "cost_points": points, "source": source},
            )
    logger.info(
        "App %s is charged as %s, %s points (%s)", app_id, kind or "A1 says", points, source
    )
    return changed


def app_positions_set(*, app_id: str, positions: int | None) -> int:
    """How many people the app's group photo takes (one photo each, on its first photo
    form), in every version and language we keep and the versions to come; None for
    what A1's details say (positionNum). Returns the rows changed."""
    with transaction.atomic():
        before = (
            AppDefinition.objects.filter(app_id=app_id)
            .values_list("people_positions", flat=True)
            .first()
        )
        changed = AppDefinition.objects.filter(app_id=app_id).update(people_positions=positions)
        if changed and before != positions:
            audit_record(
                act=Act.SETTING_CHANGED,
                target=f"app {app_id} people positions",
                before={"people_positions": before},
                after={"people_positions": positions},
            )
    logger.info("App %s takes %s people positions (staff)", app_id, positions)
    return changed


def app_mark_node(*, app_id: str) -> bool:
    """A1 answered 324011 to a run of several images of an app we believed a form app:
    it is a node app (the document: node apps make one image at a time). Mark it so,
    and tell staff to set its points per run, which A1's answer did not say.
    Returns whether it was marked just now."""
    with transaction.atomic():
        marked = (
            AppDefinition.objects.filter(app_id=app_id)
            .exclude(cost_kind="node")
            .update(cost_kind="node", cost_points=None, cost_source="a1")
        )
        if marked:
            audit_record(
                act=Act.SETTING_CHANGED,
                target=f"app {app_id} cost",
                after={"cost_kind": "node", "source": "a1 answered 324011"},
            )
    if marked:
        logger.warning(
            "App %s: A1 answered 324011 to a run of several images, so it is a node app "
            "and is now charged as one (one image per run). Staff: check its points per "
            "run in the app's API window on a1.art and set them in the library's admin.",
            app_id,
        )
    return bool(marked)


def app_visit(*, user, app_id: str) -> None:
    AppVisit.objects.update_or_create(
        user=user, app_id=app_id, defaults={"last_opened": timezone.now()}
    )


@dataclass
class RecentApp:
    app_id: str
    name: str
    cover: str
    cost: int
    last_used: object
    is_node: bool
    language: str = ""  # A1's code of the language the name is in


def apps_recent(*, user, language: str, limit: int = 60) -> list[RecentApp]:
    """Apps the user or their teammates opened, most recently used first."""
    team_users = user.memberships.values("team__memberships__user")
    visits = (
        (AppVisit.objects.filter(user__in=team_users) | AppVisit.objects.filter(user=user))
        .values("app_id")
        .annotate(last=Max("last_opened"))
        .order_by("-last")[:limit]
    )
    last_by_app = {v["app_id"]: v["last"] for v in visits}
    definitions: dict[str, AppDefinition] = {}
    for cached in AppDefinition.objects.filter(app_id__in=last_by_app).order_by("fetched_at"):
        definitions[cached.app_id] = cached  # the newest: its cost and cover
    names = app_names(app_ids=last_by_app, language=language)
    recent = []
    for app_id, last in last_by_app.items():
        definition = definitions.get(app_id)
        if definition is None:
            continue
        app = definition.app
        name, said = names.get(app_id, (app.name, ""))
        recent.append(RecentApp(app_id, name, app.cover, app.cost(1), last, app.is_node, said))
    return recent


def app_allowed(*, user, app_id: str) -> bool:
    """Whether the user may open this app: any app, or (allow-list mode) allowed ones."""
    if settings.APPS_ALLOW_ANY or user.is_staff:
        return True
    return AppDefinition.objects.filter(app_id=app_id, allowed=True).exists()
