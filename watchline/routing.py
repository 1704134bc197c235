from django.urls import path, re_path

from watchline import consumers

websocket_urlpatterns = [
    path("ws/dashboard/", consumers.DashboardConsumer.as_asgi()),
    path("ws/cwg/<int:cwg_id>/", consumers.CWGConsumer.as_asgi()),
    # Last: every path the others do not take.
    re_path(r"", consumers.NotFoundConsumer.as_asgi()),
]
