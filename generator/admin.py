"""Staff review: every run, its request and answer, hiding and flagging; people's
data exports and erasure; what the retention job removed."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

import generator.approvals.admin  # noqa: F401  (its models register there, as the audit's do)
from common.admin import ReadOnlyAdmin
from generator.audit.admin import AdminActs, AuditedAdmin
from generator.audit.models import Act
from generator.batches.pacing import batches_resume_after_balance
from generator.files import queue
from generator.keys.services import key_update, keys_revoke
from generator.models import (
    AccountBalance,
    ApiKey,
    AppDefinition,
    BalanceAlert,
    Batch,
    BatchItem,
    Budget,
    GalleryStamp,
    InputImage,
    Invite,
    LedgerEntry,
    Membership,
    ResultImage,
    Run,
    SpendAlert,
    Team,
    WebhookDelivery,
)
from generator.money.alerts import account_remaining
from generator.money.budgets import balance_alert_clear
from generator.runs import actions as run_actions
from generator.runs import removal


class ResultInline(admin.TabularInline):
    model = ResultImage
    extra = 0
    can_delete = False
    fields = (
        "preview",
        "index",
        "width",
        "height",
        "byte_size",
        "expired",
        "upstream_url",
        "last_error",
    )
    readonly_fields = fields

    @admin.display(description=_("image"))
    def preview(self, obj):
        if not obj.thumbnail:
            return "—"
        return format_html(
            '<a href="{}"><img src="{}" width="96" alt=""></a>',
            reverse("result_image", args=[obj.id]),
            reverse("result_thumbnail", args=[obj.id]),
        )


class InputInline(admin.TabularInline):
    model = InputImage
    extra = 0
    can_delete = False
    fields = ("preview", "given_by", "form_id", "position", "width", "height", "notes", "a1_path")
    readonly_fields = fields

    @admin.display(description=_("photo"))
    def preview(self, obj):
        return format_html(
            '<img src="{}" width="96" alt="">', reverse("input_image", args=[obj.id])
        )


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = [
        "thumb",
        "app_name",
        "user",
        "team",
        "state",
        "points_quoted",
        "points_spent",
        "created",
        "flagged",
        "hidden",
        "deleted_at",
    ]
    list_filter = [
        "state",
        "kind",
        "flagged",
        "hidden",
        "visibility",
        "team",
        "user",
        "app_name",
        ("created", admin.DateFieldListFilter),
        ("deleted_at", admin.EmptyFieldListFilter),
        ("api_key", admin.EmptyFieldListFilter),
    ]
    search_fields = ["task_id", "search_text", "user__username", "app_id", "api_key__prefix"]
    date_hierarchy = "created"
    list_select_related = ["user", "team"]
    inlines = [InputInline, ResultInline]
    actions = ["hide", "unhide", "flag", "unflag", "restore"]
    readonly_fields = [
        f.name for f in Run._meta.fields if f.name not in {"flagged", "hidden", "deleted_at"}
    ]

    def has_add_permission(self, request):
        return False  # runs start from the app form, where points and rules are checked

    def delete_model(self, request, obj):
        self.delete_queryset(request, Run.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        # Through the one removal path: files go too and the points stay counted.
        removal.runs_remove(ids=list(queryset.values_list("pk", flat=True)))
        queue.files_remove_all_pending()

    def save_model(self, request, obj, form, change):
        # Only what staff changed: the worker may have moved the run on since the page
        # was loaded, and a whole-row save would write its old state back.
        if form.changed_data:
            changed = {name: getattr(obj, name) for name in form.changed_data}
            if "hidden" in changed:  # through the owner of the act, which logs it
                hidden = changed.pop("hidden")
                run_actions.runs_hide(runs=Run.objects.filter(pk=obj.pk), hidden=hidden)
            if changed:
                Run.objects.filter(pk=obj.pk).update(**changed)

    @admin.display(description=_("result"))
    def thumb(self, obj):
        first = obj.results.first()
        if first is None or not first.thumbnail:
            return "—"
        return format_html(
            '<img src="{}" width="64" height="64" alt="">',
            reverse("result_thumbnail", args=[first.id]),
        )

    @admin.action(description=_("Hide from everyone but staff"))
    def hide(self, request, queryset):
        run_actions.runs_hide(runs=queryset, hidden=True)

    @admin.action(description=_("Show again"))
    def unhide(self, request, queryset):
        run_actions.runs_hide(runs=queryset, hidden=False)

    @admin.action(description=_("Flag for review"))
    def flag(self, request, queryset):
        queryset.update(flagged=True)

    @admin.action(description=_("Remove the flag"))
    def unflag(self, request, queryset):
        queryset.update(flagged=False)

    @admin.action(description=_("Restore deleted runs"))
    def restore(self, request, queryset):
        run_actions.runs_restore(runs=queryset)


MEMBER_ACTS = AdminActs(
    Act.MEMBER_ADDED, Act.ROLE_CHANGED, Act.MEMBER_REMOVED, ("team", "user", "role")
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


class MovesGalleries(AuditedAdmin):
    """Teams, members, invites and budgets show on every gallery page (the team panel,
    the allowances), so staff edits here move every gallery's stamp."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        GalleryStamp.objects.bump(everyone=True)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        GalleryStamp.objects.bump(everyone=True)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        GalleryStamp.objects.bump(everyone=True)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        GalleryStamp.objects.bump(everyone=True)


@admin.register(Team)
class TeamAdmin(MovesGalleries):
    audit_acts = AdminActs(Act.TEAM_CREATED, Act.TEAM_CHANGED, Act.TEAM_DELETED)
    inline_audit_acts = {Membership: MEMBER_ACTS}
    list_display = ["name", "member_list", "created"]
    search_fields = ["name"]
    inlines = [MembershipInline]

    @admin.display(description=_("members"))
    def member_list(self, obj):
        return format_html_join(
            ", ", "{}", ((m.user.get_username(),) for m in obj.memberships.all())
        )


@admin.register(Membership)
class MembershipAdmin(MovesGalleries):
    audit_acts = MEMBER_ACTS
    list_display = ["user", "team", "role", "joined"]
    list_filter = ["team", "role"]
    autocomplete_fields = ["user", "team"]


@admin.register(Invite)
class InviteAdmin(MovesGalleries):
    audit_acts = AdminActs(
        Act.INVITE_CREATED, Act.SETTING_CHANGED, Act.INVITE_REVOKED, ("team", "role", "expires")
    )
    list_display = ["team", "role", "created_by", "created", "expires", "used_at", "used_by"]
    list_filter = ["team"]
    readonly_fields = ["token", "used_at", "used_by"]


@admin.register(Budget)
class BudgetAdmin(MovesGalleries):
    audit_acts = AdminActs(
        Act.BUDGET_SET, Act.BUDGET_CHANGED, Act.BUDGET_REMOVED, ("user", "team", "monthly_points")
    )
    list_display = ["__str__", "user", "team", "monthly_points"]
    autocomplete_fields = ["user", "team"]


@admin.register(AppDefinition)
class AppDefinitionAdmin(AuditedAdmin):
    audit_acts = AdminActs(
        Act.SETTING_CHANGED, Act.SETTING_CHANGED, Act.SETTING_CHANGED, ("app_id", "allowed")
    )
    list_display = [
        "name",
        "app_id",
        "version_id",
        "language",
        "fetched_at",
        "allowed",
        "cost_kind",
        "cost_points",
        "cost_source",
    ]
    list_editable = ["allowed"]
    # "Learnt from A1's 324011": apps staff should give their points per run (library).
    list_filter = ["language", "allowed", "cost_source"]
    search_fields = ["name", "app_id"]
    readonly_fields = [
        "app_id",
        "version_id",
        "language",
        "name",
        "cover",
        "definition",
        "raw",
        "fetched_at",
        "cost_kind",
        "cost_points",
        "cost_source",
    ]


@admin.register(AccountBalance)
class AccountBalanceAdmin(AuditedAdmin):
    """What the A1 account holds, as staff read it on a1.art: the portal counts down what
    is spent since and warns staff at ACCOUNT_ALERT_PERCENT left."""

    audit_acts = AdminActs(
        Act.SETTING_CHANGED, Act.SETTING_CHANGED, Act.SETTING_CHANGED, ("points", "as_of")
    )
    list_display = ["as_of", "points", "remaining", "entered_by"]
    fields = ["points", "as_of"]

    @admin.display(description=_("left now (counted down)"))
    def remaining(self, obj):
        known = account_remaining()
        return known[1] if known is not None and known[0].pk == obj.pk else "—"

    def save_model(self, request, obj, form, change):
        obj.entered_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(SpendAlert)
class SpendAlertAdmin(ReadOnlyAdmin):
    list_display = [
        "created",
        "scope",
        "threshold",
        "used",
        "limit",
        "user",
        "team",
        "api_key",
        "sent_at",
    ]
    list_filter = ["scope", "threshold"]


@admin.register(BalanceAlert)
class BalanceAlertAdmin(admin.ModelAdmin):
    list_display = ["raised_at", "message", "cleared_at", "cleared_by"]
    readonly_fields = ["raised_at", "message", "cleared_at", "cleared_by"]
    actions = ["clear"]

    @admin.action(description=_("The account is topped up: resume new runs"))
    def clear(self, request, queryset):
        cleared = balance_alert_clear(user=request.user)
        batches_resume_after_balance()
        messages.success(
            request, _("New runs are allowed again (%(n)d alert cleared).") % {"n": cleared}
        )

    def has_add_permission(self, request):
        return False


class BatchItemInline(admin.TabularInline):
    model = BatchItem
    extra = 0
    can_delete = False
    fields = ("index", "label", "state", "reason", "points", "run")
    readonly_fields = fields
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ["app_name", "user", "team", "state", "pause", "items", "created"]
    list_filter = ["state", "pause", "team", ("created", admin.DateFieldListFilter)]
    search_fields = ["app_name", "app_id", "user__username", "search_text"]
    list_select_related = ["user", "team"]
    readonly_fields = [f.name for f in Batch._meta.fields if f.name not in {"state", "pause"}]
    inlines = [BatchItemInline]

    def has_add_permission(self, request):
        return False  # batches start from the batch form, where the quote is held

    @admin.display(description=_("items"))
    def items(self, obj):
        return obj.items.count()

    def save_model(self, request, obj, form, change):
        if form.changed_data:
            changed = {name: getattr(obj, name) for name in form.changed_data}
            Batch.objects.filter(pk=obj.pk).update(**changed)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Staff see every key and revoke any; keys are made by their owners (or
    `manage.py createapikey`), since the secret is shown only once, to its maker."""

    list_display = ["name", "prefix", "user", "created", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "created"]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user"]
    fields = [
        "user",
        "name",
        "prefix",
        "created",
        "last_used_at",
        "monthly_points",
        "webhook_url",
        "revoked_at",
        "revoked_by",
    ]
    readonly_fields = ["user", "prefix", "created", "last_used_at", "revoked_at", "revoked_by"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the runs it started keep pointing at it

    def save_model(self, request, obj, form, change):
        if form.changed_data:  # through the service, which logs the change
            key_update(
                key=ApiKey.objects.get(pk=obj.pk),
                name=obj.name,
                monthly_points=obj.monthly_points,
                webhook_url=obj.webhook_url,
            )

    @admin.action(description=_("Revoke the selected keys now"))
    def revoke(self, request, queryset):
        revoked = keys_revoke(keys=queryset, by=request.user)
        messages.success(request, _("%(n)d key(s) revoked.") % {"n": revoked})


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "api_key", "url", "created", "attempts", "delivered_at", "last_status"]
    list_filter = [("delivered_at", admin.EmptyFieldListFilter), "event"]
    search_fields = ["url", "api_key__prefix", "api_key__name"]
    list_select_related = ["api_key"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    """The points ledger: read-only here as everywhere (entries are only ever added)."""

    list_display = ["at", "kind", "points", "day", "user", "team", "api_key", "app_name", "run_id"]
    list_filter = ["kind", "team", ("day", admin.DateFieldListFilter)]
    search_fields = ["user__username", "team__name", "app_name", "app_id"]
    list_select_related = ["user", "team", "api_key"]
    date_hierarchy = "day"
