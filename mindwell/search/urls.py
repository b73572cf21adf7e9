from django.urls import path

from mindwell.search import views

urlpatterns = [
    path("search", views.search, name="search"),
    path("search/similar", views.similar, name="similar_questions"),
    path("search/tags", views.tag_suggestions, name="tag_suggestions"),
]
