"""The product's URLs and the bench's baseline view, served by the same servers in the same run."""

from django.urls import path

from bench.views import minimal_intake
from watchline.urls import handler400, handler403, handler404, handler500  # noqa: F401
from watchline.urls import urlpatterns as product

urlpatterns = [path("bench/minimal-intake/", minimal_intake), *product]
