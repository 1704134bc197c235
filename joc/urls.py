from django.contrib import admin
from django.urls import include, path

from joc import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("livez", views.livez, name="livez"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("joc/", include("joc.joc_urls")),
    path("cwg/", include("cwg.urls")),
    path("reports/", include("reports.urls")),
    path("alerts/", include("joc.alert_urls")),
]

handler400 = "joc.views.bad_request"
handler403 = "joc.views.permission_denied"
handler404 = "joc.views.page_not_found"
handler500 = "joc.views.server_error"
