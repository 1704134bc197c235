from django.urls import path

from joc import views

app_name = "joc"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("resources/", views.resources, name="resources"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident"),
    path("incidents/<int:pk>/notice/", views.incident_notice, name="incident_notice"),
    path("incidents/<int:pk>/<slug:action>/", views.incident_action, name="incident_action"),
]
