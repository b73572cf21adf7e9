from django.urls import path

from mindwell.notify import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/<int:pk>/read", views.read, name="notification_read"),
    path("notifications/read-all", views.read_all, name="notification_read_all"),
    path("notifications/settings", views.notification_settings, name="notification_settings"),
    path("notifications/confirm", views.resend_confirmation, name="resend_confirmation"),
    path("notifications/failed", views.failed_emails, name="failed_emails"),
    path("notifications/failed/<int:pk>/retry", views.retry, name="retry_email"),
    path("follow/<str:kind>/<str:key>", views.follow, name="follow"),
    path("unsubscribe/<str:token>", views.unsubscribe, name="unsubscribe"),
]
