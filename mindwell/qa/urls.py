from django.urls import path

from mindwell.qa import views

urlpatterns = [
    path("", views.home, name="home"),
    path("questions/", views.question_list, name="question_list"),
    path("questions/<int:pk>/", views.question_detail, name="question_bare"),
    path("questions/<int:pk>/<str:slug>", views.question_detail, name="question"),
    path("posts/<int:pk>/answer", views.answer, name="answer"),
    path("posts/<int:pk>/select", views.select, name="select_answer"),
    path("ask", views.ask, name="ask"),
    path("posts/<int:pk>/", views.post_redirect, name="post_redirect"),
    path("posts/<int:pk>/comment", views.comment, name="comment"),
    path("posts/<int:pk>/edit", views.edit, name="edit"),
    path("posts/<int:pk>/history", views.history, name="history"),
    path("posts/<int:pk>/rollback/<int:number>", views.rollback, name="rollback"),
    path("posts/<int:pk>/vote", views.vote, name="vote"),
    path("posts/<int:pk>/state", views.change_state, name="change_state"),
    path("posts/<int:pk>/reveal", views.reveal, name="reveal_author"),
    path("categories/", views.category_list, name="category_list"),
    path("categories/<slug:slug>/", views.category_detail, name="category"),
    path("tags/", views.tag_list, name="tag_list"),
    path("tags/<str:name>/", views.tag_detail, name="tag"),
]
