from django.urls import include, path

urlpatterns = [
    path("", include("mindwell.qa.urls")),
    path("", include("mindwell.accounts.urls")),
]
