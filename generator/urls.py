from django.urls import path

from generator.approvals import views as approvals
from generator.audit import views as audit
from generator.batches import views as batches
from generator.galleries.views import bulk, compare, galleries, running
from generator.keys import views as keys
from generator.money import views as usage
from generator.runs.views import actions, apps, media, reuse
from generator.runs.views import runs as runs
from generator.teams import views as teams

urlpatterns = [
    path("approvals/", approvals.approval_list, name="approval_list"),
    path("approvals/<int:approval_id>/", approvals.approval_detail, name="approval_detail"),
    path("approvals/<int:approval_id>/answer/", approvals.approval_answer, name="approval_answer"),
    path(
        "approvals/<int:approval_id>/photos/<uuid:photo_id>/",
        approvals.approval_photo_view,
        name="approval_photo",
    ),
    path("apps/<str:app_id>/", apps.app_detail, name="app_detail"),
    path("apps/<str:app_id>/relabel/", apps.app_relabel, name="app_relabel"),
    path("apps/<str:app_id>/batch/", batches.batch_new, name="batch_new"),
    path("batches/", batches.batch_list, name="batch_list"),
    path("batches/<uuid:batch_id>/", batches.batch_detail, name="batch_detail"),
    path("batches/<uuid:batch_id>/progress/", batches.batch_progress, name="batch_progress"),
    path("batches/<uuid:batch_id>/start/", batches.batch_start, name="batch_start"),
    path("batches/<uuid:batch_id>/drop/", batches.batch_drop, name="batch_drop"),
    path("batches/<uuid:batch_id>/download.zip", batches.batch_zip, name="batch_zip"),
    path(
        "batches/<uuid:batch_id>/<str:action>/",
        batches.batch_action,
        name="batch_action",
    ),
    path("generations/bulk/", bulk.runs_bulk, name="runs_bulk"),
    path("generations/<uuid:run_id>/", runs.run_detail, name="run_detail"),
    path(
        "generations/<uuid:run_id>/progress/",
        runs.run_progress,
        name="run_progress",
    ),
    path(
        "generations/<uuid:run_id>/resume/",
        runs.run_resume,
        name="run_resume",
    ),
    path(
        "generations/<uuid:run_id>/rerun/",
        runs.run_rerun,
        name="run_rerun",
    ),
    path(
        "generations/<uuid:run_id>/favourite/",
        actions.favourite,
        name="run_favourite",
    ),
    path("generations/<uuid:run_id>/delete/", actions.delete, name="run_delete"),
    path("generations/<uuid:run_id>/restore/", actions.restore, name="run_restore"),
    path("trash/", galleries.trash, name="trash"),
    path("generations/<uuid:run_id>/share/", actions.share, name="run_share"),
    path("generations/<uuid:run_id>/download.zip", actions.download_zip, name="run_zip"),
    path("enhance/", runs.enhance, name="enhance"),
    path("results/<uuid:result_id>/use/", reuse.result_use, name="result_use"),
    path("share/", reuse.share_target, name="share_target"),
    path("share/choose/", reuse.share_choose, name="share_choose"),
    path("compare/", compare.compare, name="compare"),
    path("compare/keep/", compare.compare_keep, name="compare_keep"),
    path("history/", galleries.history, name="history"),
    path("history/cards/", galleries.cards_live, name="cards_live"),
    path("running/", running.running, name="running"),
    path("team/", galleries.team_gallery, name="team"),
    path("team/<int:team_id>/invite/", teams.invite, name="team_invite"),
    path(
        "team/<int:team_id>/members/<int:membership_id>/remove/",
        teams.member_remove,
        name="team_member_remove",
    ),
    path(
        "team/<int:team_id>/members/<int:membership_id>/role/",
        teams.member_role,
        name="team_member_role",
    ),
    path("team/<int:team_id>/settings/", teams.team_settings, name="team_settings"),
    path("team/join/<str:token>/", teams.join, name="team_join"),
    path("team/invites/<int:invite_id>/revoke/", teams.revoke, name="team_invite_revoke"),
    path("team/preferences/", teams.preferences, name="preferences"),
    path("team/<int:team_id>/audit/", audit.team_audit_log, name="team_audit"),
    path(
        "team/<int:team_id>/audit/export.<str:kind>",
        audit.team_audit_export,
        name="team_audit_export",
    ),
    path("staff/audit/", audit.audit_log, name="audit_log"),
    path("staff/audit/export.<str:kind>", audit.audit_export, name="audit_export"),
    path("usage/", usage.usage, name="usage"),
    path("account/keys/", keys.api_keys, name="api_keys"),
    path("account/keys/<int:key_id>/", keys.api_key_update, name="api_key_update"),
    path("account/keys/<int:key_id>/revoke/", keys.api_key_revoke, name="api_key_revoke"),
    path("media/inputs/<uuid:image_id>", media.input_image, name="input_image"),
    path("media/results/<uuid:image_id>", media.result_image, name="result_image"),
    path("media/results/<uuid:image_id>/thumb", media.result_thumbnail, name="result_thumbnail"),
]
