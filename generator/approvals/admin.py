"""Staff's threshold for everyone (audited, as every setting that lives in the database)
and the requests, read-only (they are answered on the approvals pages)."""

from django.contrib import admin

from common.admin import ReadOnlyAdmin
from generator.approvals.models import Approval, ApprovalPolicy
from generator.audit.admin import AdminActs, AuditedAdmin
from generator.audit.models import Act


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(AuditedAdmin):
    audit_acts = AdminActs(
        Act.SETTING_CHANGED, Act.SETTING_CHANGED, Act.SETTING_CHANGED, ("threshold",)
    )
    list_display = ["__str__", "threshold", "changed"]
    fields = ["threshold"]

    def has_add_permission(self, request):
        # One row: the threshold for everyone.
        return super().has_add_permission(request) and not ApprovalPolicy.objects.exists()


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyAdmin):
    list_display = ["created", "requested_by", "team", "points", "threshold", "state", "decided_by"]
    list_filter = ["state"]
    search_fields = ["requested_by__username", "team__name", "reason"]
    exclude = ["items"]  # a batch's thousands of items: the approval's page lists them
