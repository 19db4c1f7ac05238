"""A person's API keys: create one (shown once), name it, see its use, revoke it."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.htmx import HtmxHttpRequest
from generator.keys import services as keys
from generator.keys.forms import ApiKeyForm
from generator.models import ApiKey

NEW_KEY = "new-api-key"


@dataclass
class KeyOnPage(keys.KeyUse):
    """A key as the page shows it: its use this month and the form that edits it."""

    form: ApiKeyForm | None = None


def _own_key(request, key_id: int) -> ApiKey:
    key = keys.keys_of(user=request.user).filter(pk=key_id).first()
    if key is None:
        raise Http404
    return key


def _page(request, *, form=None, editing=None, status=200):
    # The secret lives in the session for one page view only: a reload shows it no more.
    new = request.session.pop(NEW_KEY, None)
    uses = [
        KeyOnPage(use.key, use.points_this_month, use.runs)
        for use in keys.keys_use(user=request.user)
    ]
    for use in uses:
        bound = editing if editing is not None and editing.key_id == use.key.pk else None
        use.form = bound or ApiKeyForm(
            initial={
                "name": use.key.name,
                "monthly_points": use.key.monthly_points,
                "webhook_url": use.key.webhook_url,
            },
            prefix=f"key{use.key.pk}",
        )
    context = {"form": form or ApiKeyForm(), "uses": uses, "new": new}
    return render(request, "keys/keys.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def api_keys(request: HtmxHttpRequest):
    if request.method == "GET":
        return _page(request)
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form)
    try:
        key, token = keys.key_create(user=request.user, **form.cleaned_data)
    except keys.KeyLimitReached as exc:
        form.add_error(None, exc.message)
        return _page(request, form=form, status=409)
    request.session[NEW_KEY] = {"id": key.pk, "token": token}
    return redirect("api_keys")


@login_required
@require_POST
def api_key_update(request: HtmxHttpRequest, key_id: int):
    key = _own_key(request, key_id)
    if key.revoked:
        raise Http404
    form = ApiKeyForm(request.POST, prefix=f"key{key.pk}")
    if not form.is_valid():
        form.key_id = key.pk
        return _page(request, editing=form)
    keys.key_update(key=key, **form.cleaned_data)
    messages.success(request, _("Key %(name)s saved.") % {"name": key.name})
    return redirect("api_keys")


@login_required
@require_POST
def api_key_revoke(request: HtmxHttpRequest, key_id: int):
    key = _own_key(request, key_id)
    if keys.key_revoke(key=key, by=request.user):
        messages.success(
            request, _("Key %(name)s is revoked: it stopped working now.") % {"name": key.name}
        )
    return redirect("api_keys")
