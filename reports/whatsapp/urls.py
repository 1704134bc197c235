from django.urls import path

from reports.whatsapp import views, webhook

app_name = "whatsapp"
urlpatterns = [
    path("webhook/", webhook.webhook, name="webhook"),
    path("media/<int:pk>/", views.media, name="media"),
]
