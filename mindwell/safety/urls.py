from django.urls import path

from mindwell.safety import views

urlpatterns = [
    path("helplines", views.helplines, name="helplines"),
    path("helplines/country", views.set_country, name="set_country"),
    path("safety/check-in", views.precheck, name="precheck"),
    path("safety/helplines", views.edit_helplines, name="edit_helplines"),
    path("safety/helplines/<int:pk>", views.edit_helpline, name="edit_helpline"),
    path("safety/check-ins", views.check_ins, name="check_ins"),
    path("safety/at-risk", views.at_risk, name="at_risk"),
    path("safety/posts/<int:pk>/respond", views.respond, name="respond"),
    path("safety/posts/<int:pk>/worried", views.worried, name="worried"),
]
