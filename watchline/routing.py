from django.urls import path

from watchline import consumers

websocket_urlpatterns = [
    path("ws/dashboard/", consumers.DashboardConsumer.as_asgi()),
    path("ws/cwg/<int:cwg_id>/", consumers.CWGConsumer.as_asgi()),
]
