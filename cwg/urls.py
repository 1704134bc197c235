from django.urls import path

from cwg import views

app_name = "cwg"
urlpatterns = [
    path("portal/", views.portal, name="portal"),
]
