"""An app's page: the run form built from its definition, and its presets."""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from a1 import A1Error, Code
from a1.client import LANGUAGES
from common.htmx import HtmxHttpRequest, redirect_after_post
from common.media import StorageUnavailable
from generator.access import shown_or_404, staged_or_404, visible_or_404
from generator.approvals.asking import run_ask_approval
from generator.errors import ApprovalRequired, SubmitRefused
from generator.models import AppDefinition, Run
from generator.runs import actions, photos
from generator.runs import definitions as apps
from generator.runs import starting as runs
from generator.runs.forms import app_form, initial_from_choices
from generator.runs.inputs import RunChoices
from generator.runs.messages import user_message
from library import presets
from library import services as app_library
from library.forms import PresetForm
from library.models import Preset

A1_LANGUAGE_NAMES = {
    "en_US": "English",
    "zh_CN": "简体中文",
    "zh_TW": "繁體中文",
    "ja_JP": "日本語",
    "ru_RU": "Русский",
    "pt_BR": "Português (Brasil)",
    "es_MX": "Español (México)",
    "de_DE": "Deutsch",
    "id_ID": "Bahasa Indonesia",
    "tr_TR": "Türkçe",
    "vi_VN": "Tiếng Việt",
    "th_TH": "ไทย",
    "ms_MY": "Bahasa Melayu",
}


class AppNotShown(Exception):
    """The app cannot be opened here; `response` is the page that says why."""

    def __init__(self, response: HttpResponse):
        super().__init__("app not shown")
        self.response = response


def app_page(view):
    """For views of one app (`app_id`): an AppNotShown raised inside answers its page."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except AppNotShown as exc:
            return exc.response

    return wrapper


def load_app(request: HtmxHttpRequest, app_id: str) -> tuple[AppDefinition, dict]:
    """The app's definition and the page context for it; raises AppNotShown (use the
    view with @app_page) with the page explaining why it cannot be opened."""
    language = request.GET.get("language", "")
    if language not in LANGUAGES:
        language = apps.a1_language()
    context: dict[str, object] = {
        "app_id": app_id,
        "language": language,
    }
    if not (app_id.isdigit() and len(app_id) <= 32):
        # Not an id at all: A1 is not asked.
        context |= {"message": _("There is no A1 app with this id.")}
        raise AppNotShown(render(request, "runs/app_unavailable.html", context, status=404))
    if not apps.app_allowed(user=request.user, app_id=app_id):
        context["message"] = _(
            "Your team only uses apps staff have approved; this one is not on the list yet."
        )
        raise AppNotShown(render(request, "runs/app_unavailable.html", context, status=403))
    try:
        definition = apps.app_fetch(app_id=app_id, language=language)
    except apps.AppUnavailable as exc:
        status = 404 if exc.code == Code.APP_NOT_FOUND else 200
        context |= {"message": exc.message, "code": exc.code}
        page = render(request, "runs/app_unavailable.html", context, status=status)
        raise AppNotShown(page) from exc
    except A1Error as exc:
        context |= {"message": user_message(exc), "code": exc.code, "retry": True}
        page = render(request, "runs/app_unavailable.html", context, status=503)
        raise AppNotShown(page) from exc
    return definition, context | language_choices(definition, language)


def language_choices(definition: AppDefinition, language: str) -> dict:
    """The app-language select: only the languages A1 has for this app (as read so far:
    the worker reads the others, never this page), with the language the form is
    really in chosen, so it never names a language the form is not in."""
    offered = apps.app_languages(app_id=definition.app_id)
    shown = language
    if not definition.in_language or language not in offered:
        # A1 answered in the app's own language: name that one (zh_CN before zh_TW).
        script = apps.app_text_language(definition.app)
        shown = next((c for c in offered if c == script or (script == "zh" and c[:2] == "zh")), "")
    names = {code: A1_LANGUAGE_NAMES.get(code, code) for code in offered}
    if language in names and definition.in_language:
        shown = language
    return {"a1_languages": names, "language_shown": shown}


def chosen_preset(request: HtmxHttpRequest, app_id: str) -> Preset | None:
    """The preset named by ?preset=, if the user may use it and it belongs to this app."""
    if not request.GET.get("preset"):
        return None
    preset = visible_or_404(request.user, Preset, request.GET["preset"])
    if preset.app_id != app_id:
        raise Http404
    return preset


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@app_page
def app_detail(request: HtmxHttpRequest, app_id: str):
    definition, context = load_app(request, app_id)
    apps.app_visit(user=request.user, app_id=definition.app_id)
    preset = chosen_preset(request, app_id)
    if preset is not None:
        presets.preset_check(preset=preset, definition=definition)

    form_class = app_form(definition.app)
    notice = ""
    if request.method == "POST" and "relabel" in request.POST:
        return _relabel(request, form_class, app_id, preset)
    kept = None if request.htmx else request.session.pop(_KEPT + app_id, None)
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, user=request.user)
        valid = form.is_valid()
        try:
            form.keep(photos.inputs_stage(user=request.user, photos=form.new_photos()))
        except StorageUnavailable as exc:  # said on the form; nothing kept
            form.add_error(None, exc.message)
            valid = False
        if preset is not None and preset.needs_look:
            form.add_error(None, _("Check the form and save the preset before running it."))
            valid = False
        if valid:
            try:
                run = runs.run_start(
                    user=request.user,
                    definition=definition,
                    choices=form.run_choices(),
                    photos=form.kept_images(),
                    key=form.cleaned_data["idempotency_key"],
                )
            except ApprovalRequired:
                # Over the threshold: it waits as a batch of one for a manager.
                try:
                    batch = run_ask_approval(
                        user=request.user,
                        definition=definition,
                        choices=form.run_choices(),
                        photos=form.kept_images(),
                        key=form.cleaned_data["idempotency_key"],
                    )
                except SubmitRefused as exc:
                    form.add_errors(exc)
                else:
                    return redirect_after_post(request, batch.get_absolute_url())
            except SubmitRefused as exc:
                form.add_errors(exc)
            except runs.AppUpdated as exc:
                definition = exc.definition
                form = app_form(definition.app)(_with_staged(request.POST, form), user=request.user)
                notice = user_message(A1Error(Code.APP_UPDATED))
                if preset is not None:
                    presets.preset_check(preset=preset, definition=definition)
            except A1Error as exc:
                form.add_error(None, user_message(exc))
            else:
                return redirect_after_post(request, run.get_absolute_url())
    elif kept:
        # Back from another language of the app: what was filled, and the photos kept.
        form = form_class(
            user=request.user,
            initial={
                name: values[0] if len(values) == 1 else values for name, values in kept.items()
            },
        )
        form.keep_staged(kept)
    elif request.GET.get("remix"):
        form, notice = _remix_form(request, form_class)
    elif preset is not None:
        form = form_class(
            user=request.user, initial=initial_from_choices(RunChoices.from_json(preset.choices))
        )
    else:
        form = form_class(user=request.user)
    if request.method == "GET" and request.GET.get("photo"):
        _photo_in_place(request, form)

    context |= {"definition": definition, "app": definition.app, "form": form, "notice": notice}
    context |= library_context(request, definition, preset)
    # Asked for a language it has no text in, A1 answers in the app's own: say so beside
    # the select, rather than let it name a language the form is not in.
    if not definition.in_language:
        context["language_missing"] = A1_LANGUAGE_NAMES.get(str(context["language"]), "")
    template = "runs/app.html#app-form" if request.htmx else "runs/app.html"
    return render(request, template, context)


def library_context(
    request: HtmxHttpRequest,
    definition,
    preset: Preset | None,
    *,
    form_action: str = "",
    preset_form: PresetForm | None = None,
    saved: Preset | None = None,
):
    """What the app page shows of the library: the app's notes, its presets, the
    preset being used, and the form that saves one."""
    user = request.user
    teams = presets.shareable_teams(user=user)
    return {
        "form_action": form_action or request.get_full_path(),
        "preset": preset,
        "preset_editable": preset is not None
        and Preset.objects.editable_by(user).filter(pk=preset.pk).exists(),
        "presets": presets.presets_for(user=user, app_id=definition.app_id),
        "editable_presets": set(
            Preset.objects.editable_by(user)
            .filter(app_id=definition.app_id)
            .values_list("pk", flat=True)
        ),
        "preset_form": preset_form or PresetForm(teams=teams),
        "preset_saved": saved,
        "entries": app_library.entries_holding(user=user, app_id=definition.app_id),
        "add_to": app_library.scopes_to_add(user=user, app_id=definition.app_id),
    }


def _remix_form(request, form_class):
    """The app's form on its current version, filled with an earlier run's choices, and
    a notice when the run's photos are no longer kept.

    The run's photos are offered by id; nothing is copied until the form is posted.
    """
    # A remix takes the run's photos into new work: only a shown run, for staff too.
    source = shown_or_404(request.user, Run, request.GET["remix"])
    form = form_class(user=request.user, initial=actions.remix_initial(run=source))
    slots = {slot.name for slot in form.slots}
    remixed = actions.remix_photos(user=request.user, run=source)
    form.keep({name: image for name, image in remixed.items() if name in slots})
    notice = ""
    if source.inputs_removed_at and slots:
        notice = _(
            "The photos of that run were removed on %(date)s (this portal keeps photos only "
            "for a while after a run ends): give them again to remix it."
        ) % {"date": date_format(timezone.localtime(source.inputs_removed_at))}
    return form, notice


def _photo_in_place(request, form) -> None:
    """?photo=<id>: a photo the person staged a moment ago (a result used as input, a
    photo shared from their phone) goes into the form's first photo place. Only their
    own photo that no run took yet; anything else is not found (generator/access)."""
    photo = staged_or_404(request.user, [request.GET["photo"]], most=1)[0]
    if form.slots:
        form.keep({form.slots[0].name: photo})


# The app form's values, kept in the session while the page shows the app in another
# language (the fields' names are the same in every language).
_KEPT = "app_form_kept:"


@login_required
@require_POST
@app_page
def app_relabel(request: HtmxHttpRequest, app_id: str):
    """The app's "Show" in another language, pressed on a filled form: the form's values
    and photos are kept (the photos as on any round trip), and the page comes back in
    that language, filled the same. Nothing is run, whatever else the post holds."""
    definition, _context = load_app(request, app_id)
    form_class = app_form(definition.app)
    return _relabel(request, form_class, app_id, chosen_preset(request, app_id))


def _relabel(request: HtmxHttpRequest, form_class, app_id: str, preset: Preset | None):
    form = form_class(request.POST, request.FILES, user=request.user)
    form.is_valid()  # reads the photos given; what is missing is said on Generate
    try:
        form.keep(photos.inputs_stage(user=request.user, photos=form.new_photos()))
    except StorageUnavailable as exc:  # the rest is kept; the photo is asked for again
        messages.error(request, exc.message)
    skip = {"csrfmiddlewaretoken", "relabel", "language"}
    filled = {name: values for name, values in request.POST.lists() if name not in skip}
    filled |= {f"{name}_staged": [str(image.pk)] for name, image in form.staged.items()}
    request.session[_KEPT + app_id] = filled
    language = request.POST.get("language", "")
    query = {"language": language if language in LANGUAGES else apps.a1_language()}
    if preset is not None:
        query["preset"] = str(preset.pk)
    return redirect_after_post(request, f"/apps/{app_id}/?{urlencode(query)}")


def _with_staged(data, form):
    """The submitted values plus the ids of the photos already kept."""
    data = data.copy()
    for name, image in form.staged.items():
        data[f"{name}_staged"] = str(image.id)
    return data
