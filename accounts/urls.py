"""Sign-up (log-in, log-out and single sign-on are in a1site/urls.py: stable addresses)."""

from django.urls import path

from accounts.views import signup

urlpatterns = [
    path("accounts/signup/", signup.signup, name="signup"),
]
