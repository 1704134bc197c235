from django.urls import path

from cwg import views

app_name = "cwg"
urlpatterns = [
    path("apply/", views.apply, name="apply"),
    path("apply/done/", views.applied, name="applied"),
    path("invitation/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("portal/", views.portal, name="portal"),
    path("portal/status/", views.portal_status, name="portal_status"),
    path("portal/replace/", views.replace, name="replace"),
    path("portal/language/", views.language, name="language"),
    path("directory/", views.directory, name="directory"),
    path("wards.geojson", views.ward_outlines, name="ward_outlines"),
    path("wards/at/", views.ward_at, name="ward_at"),
]
