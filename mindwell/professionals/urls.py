from django.urls import path

from mindwell.professionals import views

urlpatterns = [
    path("professionals/apply", views.apply, name="professional_apply"),
    path("professionals/queue", views.queue, name="professional_queue"),
    path("professionals/<int:pk>/decide", views.decide, name="professional_decide"),
]
