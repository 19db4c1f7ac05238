"""App pages: the apps the team has opened, and one app's generation form."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from .. import services
from ..a1 import A1Error
from ..a1.client import LANGUAGES
from ..access import visible_or_404
from ..forms import OpenAppForm, app_form
from ..messages import user_message
from ..models import Generation
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
    language = services.a1_language()
    recent = services.apps_recent(user=request.user, language=language)
    return render(
        request, "apps/index.html", {"form": form, "recent": recent, "a1_language": language}
    )


@login_required
@require_http_methods(["GET", "POST"])
def app_detail(request: HtmxHttpRequest, app_id: str):
    language = request.GET.get("language", "")
    if language not in LANGUAGES:
        language = services.a1_language()
    context = {"app_id": app_id, "language": language, "a1_languages": A1_LANGUAGE_NAMES}
    if not (app_id.isdigit() and len(app_id) <= 32):
        # Not an id at all: A1 is not asked.
        context |= {"message": _("There is no A1 app with this id.")}
        return render(request, "apps/unavailable.html", context, status=404)
    if not services.app_allowed(user=request.user, app_id=app_id):
        context["message"] = _(
            "Your team only uses apps staff have approved; this one is not on the list yet."
        )
        return render(request, "apps/unavailable.html", context, status=403)
    try:
        definition = services.app_fetch(app_id=app_id, language=language)
    except services.AppUnavailable as exc:
        status = 404 if exc.code == 324012 else 200
        context |= {"message": exc.message, "code": exc.code}
        return render(request, "apps/unavailable.html", context, status=status)
    except A1Error as exc:
        context |= {"message": user_message(exc), "code": exc.code, "retry": True}
        return render(request, "apps/unavailable.html", context, status=503)
    services.app_visit(user=request.user, app_id=definition.app_id)

    form_class = app_form(definition.app)
    notice = ""
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, user=request.user)
        valid = form.is_valid()
        services.inputs_stage(user=request.user, form=form)
        if valid:
            try:
                generation = services.generation_start(
                    user=request.user, definition=definition, form=form
                )
            except services.SubmitRefused as exc:
                form.add_error(exc.field, exc.message)
            except services.AppUpdated as exc:
                definition = exc.definition
                form = app_form(definition.app)(_with_staged(request.POST, form), user=request.user)
                notice = user_message(A1Error(324013))
            except A1Error as exc:
                form.add_error(None, user_message(exc))
            else:
                url = generation_url(generation)
                return redirect_after_post(request, url)
    elif request.GET.get("remix"):
        form = _remix_form(request, form_class)
    else:
        form = form_class(user=request.user)

    context |= {"definition": definition, "app": definition.app, "form": form, "notice": notice}
    template = "apps/detail.html#app-form" if request.htmx else "apps/detail.html"
    return render(request, template, context)


def _remix_form(request, form_class):
    """The app's form on its current version, filled with an earlier run's choices."""
    source = visible_or_404(request.user, Generation, request.GET["remix"])
    form = form_class(user=request.user, initial=services.remix_initial(generation=source))
    for name, image in services.remix_inputs(user=request.user, generation=source).items():
        if any(slot.name == name for slot in form.slots):
            form.staged[name] = image
    return form


def _with_staged(data, form):
    """The submitted values plus the ids of the photos already kept."""
    data = data.copy()
    for name, image in form.staged.items():
        data[f"{name}_staged"] = str(image.id)
    return data


def generation_url(generation) -> str:
    return reverse("generation_detail", args=[generation.id])
