from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("new/", views.new, name="new"),
    path("photos/<int:pk>/<str:variant>/", views.photo, name="photo"),
    path("<str:reference>/", views.detail, name="detail"),
    path("<str:reference>/follow-up/", views.follow_up, name="follow_up"),
]
