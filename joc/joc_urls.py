from django.urls import path

from joc import views

app_name = "joc"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
