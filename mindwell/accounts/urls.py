from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path

from mindwell.accounts import views

urlpatterns = [
    path("register", views.register, name="register"),
    path("login", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
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
    path("users/", views.user_list, name="user_list"),
    path("users/<int:pk>/", views.profile, name="user_profile"),
    path("users/<int:pk>/points", views.points_history, name="points_history"),
    path("users/<int:pk>/level", views.set_level, name="set_level"),
]
