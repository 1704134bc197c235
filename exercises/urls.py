from django.urls import path

from exercises import views

app_name = "exercises"
urlpatterns = [
    path("", views.exercise_list, name="list"),
    path("new/", views.new, name="new"),
    path("after-action/", views.period_after_action, name="period_after_action"),
    path("after-action/<slug:table>.csv", views.after_action_csv, name="period_csv"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/injects/new/", views.inject_form, name="inject_new"),
    path("<int:pk>/injects/import/", views.inject_import, name="inject_import"),
    path("<int:pk>/injects/<int:inject_id>/", views.inject_form, name="inject_edit"),
    path("<int:pk>/injects/<int:inject_id>/delete/", views.inject_delete, name="inject_delete"),
    path("<int:pk>/injects/<int:inject_id>/ask/", views.inject_ask, name="inject_ask"),
    path("<int:pk>/after-action/", views.after_action, name="after_action"),
    path("<int:pk>/after-action/<slug:table>.csv", views.after_action_csv, name="csv"),
    path("<int:pk>/evaluation/", views.evaluation, name="evaluation"),
    path("<int:pk>/actions/<int:action_id>/", views.action_status, name="action_status"),
    path("<int:pk>/<slug:action>/", views.control, name="control"),
]
