"""Rules of the layout that keep it so: live events leave only from the services, and the admin
cannot change a state that an action owns."""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory

ROOT = Path(__file__).resolve().parents[2]

# Where the channel layer may be touched: the service modules (every write, then its event),
# the live module itself, the consumers (joining their groups) and the health check.
LIVE_ALLOWED = {"watchline/live.py", "watchline/consumers.py", "watchline/views.py"}
# The module of `reports` whose functions the JOC's services call to tell a report's sender.
SERVICE_MODULES = {"reports/feedback.py"}
LIVE_NAMES = {"publish", "send_now", "get_channel_layer", "group_send", "channel_layer"}


def product_modules():
    for config in apps.get_app_configs():
        path = Path(config.path)
        if ROOT in path.parents and "site-packages" not in path.parts:
            for module in path.rglob("*.py"):
                if "migrations" not in module.parts:
                    yield module.relative_to(ROOT).as_posix(), module


def touches_live(tree):
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in LIVE_NAMES
            or isinstance(node, ast.Name)
            and node.id in LIVE_NAMES
        ):
            yield node.lineno


def test_live_events_are_sent_only_from_services():
    offenders = [
        f"{name}:{line}"
        for name, module in product_modules()
        if not name.endswith("services.py") and name not in SERVICE_MODULES | LIVE_ALLOWED
        for line in touches_live(ast.parse(module.read_text()))
    ]
    assert offenders == [], "publish through a service function: " + ", ".join(offenders)


def test_the_rule_sees_a_publish_outside_the_services():
    sneaky = ast.parse("from watchline import live\nlive.publish('operators', 't.html', {})\n")
    assert list(touches_live(sneaky)) == [2]


# Fields whose changes belong to an action (a service function that checks, records and
# publishes): no admin form may edit them.
SERVICE_OWNED = {
    "joc.incident": {
        "status",
        "version",
        "assigned_to",
        "merged_into",
        "last_changed_by",
        "acknowledged_at",
        "verifying_at",
        "verified_at",
        "first_dispatched_at",
        "on_scene_at",
        "resolved_at",
        "closed_at",
        "last_report_at",
    },
    "joc.resource": {"status"},
    "joc.dispatch": {"status", "incident", "resource", "en_route_at", "on_scene_at", "cleared_at"},
    "cwg.communitywatchgroup": {"status", "status_reason", "status_changed_at"},
    "cwg.representative": {"cwg", "user", "seat", "active", "ended_at", "ended_by", "added_by"},
    "reports.report": {"status", "incident", "cwg", "submitted_by", "client_token"},
}


def editable_fields(model_admin, request, obj):
    if not model_admin.has_change_permission(request, obj):
        return set()
    form = model_admin.get_form(request, obj, change=obj.pk is not None)
    fields = set(form.base_fields)
    for inline in model_admin.get_inline_instances(request, obj):
        if inline.has_change_permission(request, obj) or inline.has_add_permission(request, obj):
            formset = inline.get_formset(request, obj)
            owned = SERVICE_OWNED.get(inline.model._meta.label_lower, set())
            fields |= {
                f"{inline.model.__name__}.{name}"
                for name in formset.form.base_fields
                if name in owned
            }
    return fields


@pytest.mark.django_db
def test_no_admin_form_changes_a_state_that_an_action_owns(city_admin):
    request = RequestFactory().get("/admin/")
    request.user = city_admin
    leaks = {}
    for model, model_admin in admin.site._registry.items():
        owned = SERVICE_OWNED.get(model._meta.label_lower, set())
        existing = model.objects.first() or model()
        for obj in (existing,):
            editable = editable_fields(model_admin, request, obj)
            leaked = {name for name in editable if name in owned or "." in name}
            if leaked:
                leaks[model._meta.label] = sorted(leaked)
    assert leaks == {}
