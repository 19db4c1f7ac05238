"""Staff: the data lifecycle (retention in force, what was removed) and erasing a person."""

from django.apps import apps
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from common.htmx import HtmxHttpRequest
from generator.models import FileRemoval
from lifecycle import erasure, retention
from lifecycle.forms import EraseConfirmForm
from lifecycle.models import DataExport, RemovalLog

KINDS = {
    "runs": gettext_lazy("runs"),
    "shared runs": gettext_lazy("of them shared with a team"),
    "photos": gettext_lazy("photos"),
    "results": gettext_lazy("result images"),
    "files": gettext_lazy("files"),
    "exports": gettext_lazy("data exports"),
    "job records": gettext_lazy("job records"),
    "sessions": gettext_lazy("sessions"),
    "expired sessions": gettext_lazy("expired sessions"),
    "audit entries": gettext_lazy("audit log entries"),
    "accounts": gettext_lazy("accounts"),
}


def kind_label(kind: str) -> str:
    """A removal count's kind in words; rows of other models by their own name."""
    if kind in KINDS:
        return str(KINDS[kind])
    try:
        return str(apps.get_model(kind)._meta.verbose_name_plural)
    except (LookupError, ValueError):
        return kind


def counts_in_words(counts: dict) -> list[tuple[str, int]]:
    """(label, count) in a fixed order: the kinds staff know first, other rows after."""
    order = list(KINDS)
    kinds = sorted(counts, key=lambda k: (order.index(k) if k in order else len(order), k))
    return [(kind_label(kind), counts[kind]) for kind in kinds if counts[kind]]


def _entries(logs):
    return [{"log": log, "counts": counts_in_words(log.counts)} for log in logs]


User = get_user_model()


@staff_member_required
@require_GET
def data_lifecycle(request: HtmxHttpRequest):
    context = {
        "rules": retention.retention_rules(),
        "entries": _entries(RemovalLog.objects.select_related("by_staff")[:30]),
        "queued_files": FileRemoval.objects.count(),
        "exports": DataExport.objects.select_related("user", "requested_by")[:20],
        "admin_users": reverse(f"admin:{User._meta.app_label}_{User._meta.model_name}_changelist"),
    }
    return render(request, "lifecycle/staff.html", context)


@staff_member_required
@require_http_methods(["GET", "POST"])
def person_erase(request: HtmxHttpRequest, user_id: int):
    person = get_object_or_404(User, pk=user_id)
    if person.pk == request.user.pk:
        return redirect("account")  # one's own account is deleted from one's own page
    if person.is_superuser and not request.user.is_superuser:
        raise Http404
    form = EraseConfirmForm(request.POST or None, expected=person.get_username())
    if request.method == "POST" and form.is_valid():
        try:
            log = erasure.user_erase(user=person, by=request.user)
        except erasure.ErasureRefused as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("The account was erased: %(what)s.")
                % {"what": ", ".join(f"{n} {label}" for label, n in counts_in_words(log.counts))},
            )
            return redirect("data_lifecycle")
    context = {"person": person, "summary": erasure.erasure_summary(user=person), "form": form}
    return render(request, "lifecycle/erase.html", context)
