"""App pages: the apps the team has opened, and one app's generation form."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from ..a1 import A1Error, Code
from ..a1.client import LANGUAGES
from ..access import visible_or_404
from ..forms import OpenAppForm, app_form
from ..messages import user_message
from ..models import Generation
from ..services import apps, generations, library, photos
from ..services.errors import SubmitRefused
from . import HtmxHttpRequest, redirect_after_post

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


@login_required
@require_GET
def app_index(request: HtmxHttpRequest):
    form = OpenAppForm(request.GET if "app" in request.GET else None)
    if form.is_bound and form.is_valid():
        return redirect("app_detail", app_id=form.cleaned_data["app"])
    recent = apps.apps_recent(user=request.user, language=apps.a1_language())
    return render(request, "apps/index.html", {"form": form, "recent": recent})


@login_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def app_detail(request: HtmxHttpRequest, app_id: str):
    language = request.GET.get("language", "")
    if language not in LANGUAGES:
        language = apps.a1_language()
    context = {"app_id": app_id, "language": language, "a1_languages": A1_LANGUAGE_NAMES}
    if not (app_id.isdigit() and len(app_id) <= 32):
        # Not an id at all: A1 is not asked.
        context |= {"message": _("There is no A1 app with this id.")}
        return render(request, "apps/unavailable.html", context, status=404)
    if not apps.app_allowed(user=request.user, app_id=app_id):
        context["message"] = _(
            "Your team only uses apps staff have approved; this one is not on the list yet."
        )
        return render(request, "apps/unavailable.html", context, status=403)
    try:
        definition = apps.app_fetch(app_id=app_id, language=language)
    except apps.AppUnavailable as exc:
        status = 404 if exc.code == Code.APP_NOT_FOUND else 200
        context |= {"message": exc.message, "code": exc.code}
        return render(request, "apps/unavailable.html", context, status=status)
    except A1Error as exc:
        context |= {"message": user_message(exc), "code": exc.code, "retry": True}
        return render(request, "apps/unavailable.html", context, status=503)
    apps.app_visit(user=request.user, app_id=definition.app_id)

    form_class = app_form(definition.app)
    notice = ""
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, user=request.user)
        valid = form.is_valid()
        form.keep(photos.inputs_stage(user=request.user, photos=form.new_photos()))
        if valid:
            try:
                generation = generations.generation_start(
                    user=request.user,
                    definition=definition,
                    choices=form.run_choices(),
                    photos=form.images,
                    key=form.cleaned_data["idempotency_key"],
                )
            except SubmitRefused as exc:
                form.add_errors(exc)
            except generations.AppUpdated as exc:
                definition = exc.definition
                form = app_form(definition.app)(_with_staged(request.POST, form), user=request.user)
                notice = user_message(A1Error(Code.APP_UPDATED))
            except A1Error as exc:
                form.add_error(None, user_message(exc))
            else:
                return redirect_after_post(request, generation.get_absolute_url())
    elif request.GET.get("remix"):
        form, notice = _remix_form(request, form_class)
    else:
        form = form_class(user=request.user)

    context |= {"definition": definition, "app": definition.app, "form": form, "notice": notice}
    template = "apps/detail.html#app-form" if request.htmx else "apps/detail.html"
    return render(request, template, context)


def _remix_form(request, form_class):
    """The app's form on its current version, filled with an earlier run's choices, and
    a notice when the run's photos are no longer kept.

    The run's photos are offered by id; nothing is copied until the form is posted.
    """
    source = visible_or_404(request.user, Generation, request.GET["remix"])
    form = form_class(user=request.user, initial=library.remix_initial(generation=source))
    slots = {slot.name for slot in form.slots}
    remixed = library.remix_photos(user=request.user, generation=source)
    form.keep({name: image for name, image in remixed.items() if name in slots})
    notice = ""
    if source.inputs_removed_at and slots:
        notice = _(
            "The photos of that run were removed on %(date)s (this portal keeps photos only "
            "for a while after a run ends): give them again to remix it."
        ) % {"date": date_format(timezone.localtime(source.inputs_removed_at))}
    return form, notice


def _with_staged(data, form):
    """The submitted values plus the ids of the photos already kept."""
    data = data.copy()
    for name, image in form.staged.items():
        data[f"{name}_staged"] = str(image.id)
    return data
