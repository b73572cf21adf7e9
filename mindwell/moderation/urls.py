from django.urls import path

from mindwell.moderation import views

urlpatterns = [
    path("moderation/", views.queue, name="moderation_queue"),
    path("moderation/audit", views.audit_log, name="audit_log"),
    path("moderation/settings", views.site_settings, name="site_settings"),
    path("moderation/settings/categories", views.categories, name="site_categories"),
    path("posts/<int:pk>/flag", views.flag, name="flag"),
    path("posts/<int:pk>/moderate", views.moderate, name="moderate"),
    path("users/<int:pk>/moderate", views.member_action, name="member_action"),
    path("warnings/<int:pk>/acknowledge", views.acknowledge, name="acknowledge_warning"),
]
