from django.urls import path

from mindwell.safety import views

urlpatterns = [
    path("helplines", views.helplines, name="helplines"),
    path("helplines/country", views.set_country, name="set_country"),
    path("safety/check-in", views.precheck, name="precheck"),
    path("safety/helplines", views.edit_helplines, name="edit_helplines"),
    path("safety/helplines/<int:pk>", views.edit_helpline, name="edit_helpline"),
    path("safety/helplines/add", views.add_helpline, name="add_helpline"),
    path("safety/helplines/<int:pk>/remove", views.remove_helpline, name="remove_helpline"),
    path("safety/countries/add", views.add_country, name="add_country"),
    path("safety/countries/<str:code>/remove", views.remove_country, name="remove_country"),
    path("safety/check-ins", views.check_ins, name="check_ins"),
    path("safety/at-risk", views.at_risk, name="at_risk"),
    path("safety/posts/<int:pk>/respond", views.respond, name="respond"),
    path("safety/posts/<int:pk>/worried", views.worried, name="worried"),
]
