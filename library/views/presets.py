"""Saving the app form as a preset, updating and deleting presets."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from common.htmx import HtmxHttpRequest, redirect_after_post
from common.media import StorageUnavailable
from generator.access import editable_or_404
from generator.errors import SubmitRefused
from generator.runs import photos
from generator.runs.forms import app_form
from generator.runs.views.apps import app_page, library_context, load_app
from library import presets
from library.forms import PresetForm
from library.models import Preset


@login_required
@require_POST
@vary_on_headers("HX-Request")
@app_page
def preset_save(request: HtmxHttpRequest, app_id: str, preset_id=None):
    """The app form's choices saved as a new preset, or into `preset_id`.

    Photos are never part of a preset, but the ones chosen are kept for the form, which
    comes back as it was (now tied to the preset) so the run can still be started.
    """
    definition, context = load_app(request, app_id)
    preset = editable_or_404(request.user, Preset, preset_id) if preset_id else None
    if preset is not None and preset.app_id != app_id:
        raise Http404
    form = app_form(definition.app)(request.POST, request.FILES, user=request.user)
    form.photos_required = False
    valid = form.is_valid()
    try:
        form.keep(photos.inputs_stage(user=request.user, photos=form.new_photos()))
    except StorageUnavailable as exc:  # said on the form; nothing kept
        form.add_error(None, exc.message)
        valid = False
    preset_form = PresetForm(
        request.POST if preset is None else None,
        teams=presets.shareable_teams(user=request.user),
    )
    named = preset is not None or preset_form.is_valid()
    saved = None
    if valid and named:
        try:
            saved = presets.preset_save(
                user=request.user,
                definition=definition,
                name=preset.name if preset else preset_form.cleaned_data["preset_name"],
                choices=form.run_choices(),
                team=None if preset else preset_form.cleaned_data.get("preset_team"),
                preset=preset,
            )
        except SubmitRefused as exc:
            if exc.field in preset_form.fields:
                preset_form.add_error(exc.field, exc.message)
            else:
                form.add_errors(exc)
    if saved is not None and not request.htmx:
        messages.success(request, _("Preset “%(name)s” saved.") % {"name": saved.name})
        return redirect(saved.get_absolute_url())
    shown = saved or preset
    context |= {"definition": definition, "app": definition.app, "form": form, "notice": ""}
    context |= library_context(
        request,
        definition,
        shown,
        form_action=shown.get_absolute_url() if shown else f"/apps/{app_id}/",
        preset_form=None if saved else preset_form,
        saved=saved,
    )
    template = "runs/app.html#app-form" if request.htmx else "runs/app.html"
    response = render(request, template, context)
    if saved is not None:
        response["HX-Push-Url"] = saved.get_absolute_url()
        # The list of presets above the form shows the new one at once (out of band).
        presets_list = render_to_string(
            "runs/app.html#app-presets", {**context, "oob": True}, request=request
        )
        response.content += presets_list.encode()
    return response


@login_required
@require_POST
def preset_delete(request: HtmxHttpRequest, preset_id):
    preset = editable_or_404(request.user, Preset, preset_id)
    presets.preset_delete(preset=preset)
    messages.success(request, _("Preset “%(name)s” deleted.") % {"name": preset.name})
    return redirect_after_post(request, f"/apps/{preset.app_id}/")
