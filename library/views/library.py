"""The app library (/apps/): a team's or one's own apps, found, curated and added."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from common.htmx import HtmxHttpRequest, redirect_after_post
from generator.access import editable_or_404, team_or_404
from generator.runs import definitions as apps
from generator.runs.forms import OpenAppForm
from library import services as app_library
from library.forms import AppLibraryFilterForm, LibraryAddForm, LibraryEntryForm
from library.models import LibraryEntry


def _scope(request: HtmxHttpRequest, key: str | None) -> app_library.Scope:
    """The library named by `key` ("personal", "all", a team id), or the user's default."""
    if key in ("personal", "all"):
        return app_library.Scope(key)
    if key:
        team = team_or_404(request.user, key)
        return app_library.Scope(str(team.pk), team)
    return app_library.scope_default(
        user=request.user, scopes=app_library.scopes_for(user=request.user)
    )


def _entry_scope(entry: LibraryEntry) -> app_library.Scope:
    if entry.team_id is not None:
        return app_library.Scope(str(entry.team_id), entry.team)
    return app_library.Scope("personal")


def library_url(scope: app_library.Scope) -> str:
    return f"/apps/?{urlencode({'library': scope.key})}"


def _back(request: HtmxHttpRequest, default: str) -> str:
    """Where a card's action returns to: the page it was pressed on (same site only)."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _library_page(
    request: HtmxHttpRequest, scope, *, params=None, open_form=None, add_form=None, added=None
):
    params = request.GET if params is None else params
    filters = AppLibraryFilterForm(params or None)
    chosen = app_library.Filters(**filters.filters())
    data = app_library.library_page(
        user=request.user,
        scope=scope,
        filters=chosen,
        language=apps.a1_language(),
        page_number=params.get("page"),
    )
    query = params.copy()
    for key in ("page", "app"):
        query.pop(key, None)
    query["library"] = scope.key
    context = {
        "open_form": open_form or OpenAppForm(),
        "scope": scope,
        "scopes": app_library.scopes_for(user=request.user),
        "data": data,
        "page": data.page,
        "filters": filters,
        "filtered": chosen != app_library.Filters(sort=chosen.sort),
        "query": query.urlencode(),
        "here": f"/apps/?{query.urlencode()}",
        "add_form": add_form or LibraryAddForm(),
        "added": added,
        "allow_list": app_library.allow_list_on(),
    }
    template = "library/library.html#grid" if request.htmx else "library/library.html"
    return render(request, template, context)


@login_required
@require_GET
@vary_on_headers("HX-Request")
def library(request: HtmxHttpRequest):
    """The library page; `?app=` opens any app by id or link, as /apps/ always did."""
    open_form = OpenAppForm(request.GET if "app" in request.GET else None)
    if open_form.is_bound and open_form.is_valid():
        return redirect("app_detail", app_id=open_form.cleaned_data["app"])
    scope = _scope(request, request.GET.get("library"))
    add_form, added = (None, None) if request.htmx else _add_outcome(request, scope)
    return _library_page(request, scope, open_form=open_form, add_form=add_form, added=added)


# What an add left to say (the apps added, those refused and why, the text to fix), kept
# in the session across the redirect so that the page after an add is a GET: reloading
# or bookmarking it never resubmits, nor meets a POST-only address.
ADD_OUTCOME = "library_add_outcome"


@dataclass
class AddNotice:
    names: list[str]
    refused: list[app_library.Refused]


def _add_outcome(request: HtmxHttpRequest, scope: app_library.Scope):
    """The add box and notice an add left for this library (once), else (None, None)."""
    outcome = request.session.pop(ADD_OUTCOME, None)
    if not outcome or outcome.get("library") != scope.key:
        return None, None
    if outcome.get("invalid"):
        form = LibraryAddForm({"apps": outcome["apps"]})
        form.is_valid()  # the same errors again, beside the same text
        return form, None
    refused = [app_library.Refused(text, reason) for text, reason in outcome["refused"]]
    notice = AddNotice(names=outcome["added"], refused=refused)
    return LibraryAddForm(initial={"apps": outcome["apps"]}), notice


@login_required
@require_http_methods(["GET", "POST"])
def library_add(request: HtmxHttpRequest):
    """Add one app or many pasted at once; the refused ones stay in the box with why.

    Always answers with a redirect (to the library, or the page the add was pressed on
    when all went in); a GET here (an old bookmark, Back) is sent to the library."""
    if request.method == "GET":
        return redirect("app_index")
    scope = _scope(request, request.POST.get("library") or "personal")
    if not app_library.can_change(user=request.user, scope=scope):
        raise Http404
    form = LibraryAddForm(request.POST)
    if not form.is_valid():
        request.session[ADD_OUTCOME] = {
            "library": scope.key,
            "apps": request.POST.get("apps", ""),
            "invalid": True,
        }
        return redirect_after_post(request, library_url(scope))
    added = app_library.library_add(
        user=request.user, scope=scope, refs=form.refs, language=apps.a1_language()
    )
    added.refused += [app_library.Refused(text, reason) for text, reason in form.bad]
    added.refused.sort(key=lambda refused: form.order.index(refused.text))  # as pasted
    if not added.refused:
        if added.added:
            messages.success(
                request,
                ngettext(
                    "Added %(n)d app to %(library)s.",
                    "Added %(n)d apps to %(library)s.",
                    len(added.added),
                )
                % {"n": len(added.added), "library": scope.label},
            )
        return redirect_after_post(request, _back(request, library_url(scope)))
    # What was refused stays in the box, to be fixed and added again.
    request.session[ADD_OUTCOME] = {
        "library": scope.key,
        "apps": "\n".join(r.text for r in added.refused),
        "added": [entry.app.name or entry.app.app_id for entry in added.added],
        "refused": [[r.text, str(r.reason)] for r in added.refused],
    }
    return redirect_after_post(request, library_url(scope))


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request: HtmxHttpRequest, entry_id):
    """A library entry's display name, tags and note (managers; anyone in their own)."""
    entry = editable_or_404(request.user, LibraryEntry, entry_id)
    scope = _entry_scope(entry)
    if request.method == "POST":
        form = LibraryEntryForm(request.POST)
        if form.is_valid():
            app_library.entry_update(entry=entry, **form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect_after_post(request, library_url(scope))
    else:
        form = LibraryEntryForm(
            initial={"title": entry.title, "tags": ", ".join(entry.tags), "note": entry.note}
        )
    context = {"entry": entry, "form": form, "back": library_url(scope), "scope": scope}
    return render(request, "library/entry.html", context)


@login_required
@require_POST
def entry_pin(request: HtmxHttpRequest, entry_id):
    entry = editable_or_404(request.user, LibraryEntry, entry_id)
    action = request.POST.get("action", "")
    if action in ("pin", "unpin"):
        app_library.entry_pin(entry=entry, pinned=action == "pin")
    elif action in ("up", "down"):
        app_library.entry_move(entry=entry, up=action == "up")
    return redirect(_back(request, library_url(_entry_scope(entry))))


@login_required
@require_POST
def entry_remove(request: HtmxHttpRequest, entry_id):
    entry = editable_or_404(request.user, LibraryEntry, entry_id)
    app_library.entry_remove(entry=entry)
    messages.success(
        request,
        _("Removed %(app)s from %(library)s.")
        % {
            "app": entry.title or entry.app.name or entry.app.app_id,
            "library": _entry_scope(entry).label,
        },
    )
    return redirect(_back(request, library_url(_entry_scope(entry))))


@login_required
@require_POST
def app_approve(request: HtmxHttpRequest, app_id: str):
    """Staff's allow-list, on the library page (the admin's checkbox does the same)."""
    if not request.user.is_staff or not app_id.isdigit():
        raise Http404
    app_library.app_approve(app_id=app_id, approved=request.POST.get("approved") == "1")
    return redirect(_back(request, "/apps/"))
