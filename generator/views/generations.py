"""A generation's page."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..access import visible_or_404
from ..models import Generation
from . import HtmxHttpRequest


@login_required
@require_GET
def generation_detail(request: HtmxHttpRequest, generation_id):
    generation = visible_or_404(request.user, Generation, generation_id)
    inputs = generation.inputs.all()
    return render(request, "generations/detail.html", {"generation": generation, "inputs": inputs})
