from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path

from mindwell.accounts import views

urlpatterns = [
    path("register", views.register, name="register"),
    path("login", views.LoginView.as_view(), name="login"),
    path("login/code", views.two_factor_verify, name="two_factor_verify"),
    path("account/security", views.account_security, name="account_security"),
    path("account/two-factor", views.two_factor, name="two_factor"),
    path("account/sessions/end-others", views.log_out_elsewhere, name="log_out_elsewhere"),
    path("logout", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset",
        auth_views.PasswordResetView.as_view(extra_email_context={"site_name": settings.SITE_NAME}),
        name="password_reset",
    ),
    path(
        "password-reset/sent",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("email/confirm/<str:token>", views.confirm_email, name="confirm_email"),
    path("users/", views.user_list, name="user_list"),
    path("users/<int:pk>/", views.profile, name="user_profile"),
    path("users/<int:pk>/points", views.points_history, name="points_history"),
    path("users/<int:pk>/level", views.set_level, name="set_level"),
    path("settings", views.account_settings, name="account_settings"),
    path("settings/export", views.export, name="account_export"),
    path("settings/delete", views.delete, name="account_delete"),
    path("", include("mindwell.professionals.urls")),
]
