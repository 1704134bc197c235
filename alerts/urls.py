from django.urls import path

from alerts import views

app_name = "alerts"
urlpatterns = [
    path("", views.alert_list, name="list"),
    path("new/", views.new, name="new"),
    path("new/reach/", views.reach, name="reach"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/update/", views.update, name="update"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("feed.atom", views.feed, name="feed"),
    path("<int:pk>/cap/<int:number>.xml", views.cap_document, name="cap"),
    path("portal/", views.portal, name="portal"),
    path("past/", views.past, name="past"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
]
