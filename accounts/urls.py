"""Sign-up, passwords and the profile (log-in, log-out and single sign-on are in
a1site/urls.py: stable addresses)."""

from django.urls import path

from accounts.views import passwords, profile, signup

urlpatterns = [
    path("accounts/signup/", signup.signup, name="signup"),
    path("accounts/profile/", profile.profile, name="profile"),
    path("accounts/profile/time-zone/", profile.time_zone_guess, name="time_zone_guess"),
    path(
        "accounts/password_change/",
        passwords.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        passwords.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password_reset/", passwords.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password_reset/sent/",
        passwords.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password_reset/complete/",
        passwords.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "accounts/password_reset/<uidb64>/<token>/",
        passwords.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
]
