from django.contrib import admin
from django.urls import include, path

from watchline import accounts, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("livez", views.livez, name="livez"),
    path("accounts/password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/two-factor/setup/", accounts.two_factor_setup, name="two_factor_setup"),
    path("accounts/two-factor/verify/", accounts.two_factor_verify, name="two_factor_verify"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("joc/", include("joc.urls")),
    path("cwg/", include("cwg.urls")),
    path("reports/", include("reports.urls")),
    path("alerts/", include("alerts.urls")),
    path("whatsapp/", include("reports.whatsapp.urls")),
    path("exercises/", include("exercises.urls")),
]

handler400 = "watchline.views.bad_request"
handler403 = "watchline.views.permission_denied"
handler404 = "watchline.views.page_not_found"
handler500 = "watchline.views.server_error"
