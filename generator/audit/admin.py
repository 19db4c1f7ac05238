"""The audit log in the admin, and the mixin that records staff's edits of rows that
live in the database and change money or access (budgets, teams, members, invites,
keys, which apps are allowed), with before and after."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.forms.models import model_to_dict

from common.admin import ReadOnlyAdmin
from generator.audit.models import Act, AuditEntry
from generator.audit.record import audit_record, plain


@dataclass(frozen=True)
class AdminActs:
    """The acts an admin edit of one model is recorded as, and the fields kept."""

    added: str
    changed: str
    deleted: str
    fields: tuple[str, ...] | None = None


def _snapshot(obj: models.Model, acts: AdminActs) -> dict:
    fields = list(acts.fields) if acts.fields is not None else None
    values = model_to_dict(obj, fields=fields)
    values.pop("id", None)
    return {name: plain(value) for name, value in values.items()}


def _scope(obj: models.Model) -> dict:
    """Whom and which team an edited row concerns, for the log's filters."""
    scope: dict = {"target": f"{obj._meta.verbose_name} {obj}"[:200]}
    if isinstance(obj, get_user_model()):
        scope["subject"] = obj
    user = getattr(obj, "user", None)
    if isinstance(user, models.Model):
        scope["subject"] = user
    team = getattr(obj, "team", None)
    if isinstance(team, models.Model):
        scope["team"] = team
    elif obj._meta.model_name == "team":
        scope["team"] = obj
    return scope


def admin_saved(*, obj: models.Model, acts: AdminActs, before: dict | None, actor) -> None:
    after = _snapshot(obj, acts)
    if before is None:
        audit_record(act=acts.added, actor=actor, after=after, **_scope(obj))
        return
    changed = sorted(name for name in after if after[name] != before.get(name))
    if changed:
        audit_record(
            act=acts.changed,
            actor=actor,
            before={name: before.get(name) for name in changed},
            after={name: after[name] for name in changed},
            **_scope(obj),
        )


def admin_deleted(*, obj: models.Model, acts: AdminActs, actor) -> None:
    audit_record(act=acts.deleted, actor=actor, before=_snapshot(obj, acts), **_scope(obj))


def _before(obj: models.Model, acts: AdminActs, change: bool) -> dict | None:
    if not change or obj.pk is None:
        return None
    current = type(obj)._default_manager.filter(pk=obj.pk).first()
    return _snapshot(current, acts) if current is not None else None


class AuditedAdmin(admin.ModelAdmin):
    """Staff's saves and deletes here, and in its inlines, go in the audit log."""

    audit_acts: AdminActs = AdminActs(Act.SETTING_CHANGED, Act.SETTING_CHANGED, Act.SETTING_CHANGED)
    inline_audit_acts: dict[type[models.Model], AdminActs] = {}

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            before = _before(obj, self.audit_acts, change)
            super().save_model(request, obj, form, change)
            admin_saved(obj=obj, acts=self.audit_acts, before=before, actor=request.user)

    def delete_model(self, request, obj):
        with transaction.atomic():
            admin_deleted(obj=obj, acts=self.audit_acts, actor=request.user)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                admin_deleted(obj=obj, acts=self.audit_acts, actor=request.user)
            super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        acts = self.inline_audit_acts.get(formset.model)
        if acts is None:
            return super().save_formset(request, form, formset, change)
        befores = {
            f.instance.pk: _before(f.instance, acts, True)
            for f in formset.forms
            if f.instance.pk is not None
        }
        with transaction.atomic():
            for deleted in formset.deleted_forms:
                if deleted.instance.pk is not None:
                    admin_deleted(obj=deleted.instance, acts=acts, actor=request.user)
            super().save_formset(request, form, formset, change)
            for obj in formset.new_objects:
                admin_saved(obj=obj, acts=acts, before=None, actor=request.user)
            for obj, _fields in formset.changed_objects:
                admin_saved(obj=obj, acts=acts, before=befores.get(obj.pk), actor=request.user)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit log: read-only here as everywhere (entries are only ever added)."""

    list_display = ["at", "act", "actor_name", "via", "subject_name", "team_name", "target"]
    list_filter = ["act", "via", ("at", admin.DateFieldListFilter)]
    search_fields = ["actor_name", "subject_name", "team_name", "target", "key_prefix"]
    date_hierarchy = "at"
