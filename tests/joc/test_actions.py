"""Every incident action: allowed from the right statuses, refused otherwise, stamped, recorded,
guarded by the version the operator saw, and flowing back to the linked reports."""

import pytest

from joc import services
from joc.models import Dispatch, Incident, Resource
from joc.services import ActionRefused, StaleIncident
from reports.models import Report
from tests import factories

pytestmark = pytest.mark.django_db


def incident_in(status, **kwargs):
    return factories.IncidentFactory(status=status, **kwargs)


def with_report(incident, **kwargs):
    factories.ReportFactory(incident=incident, **kwargs)
    return incident


def last_event(incident):
    return incident.events.order_by("-id").first()


def test_acknowledge_takes_ownership_and_stamps_the_time(operator):
    incident = services.acknowledge(incident_in("new"), 1, operator)
    assert incident.status == "acknowledged"
    assert incident.assigned_to == operator
    assert incident.acknowledged_at is not None
    assert incident.version == 2
    event = last_event(incident)
    assert (event.actor, event.kind, event.from_value, event.to_value) == (
        operator,
        "acknowledge",
        "new",
        "acknowledged",
    )


def test_a_stale_version_is_refused_with_the_fresh_state_and_who_changed_it(operator):
    other = factories.OperatorFactory(first_name="Thandi", last_name="Mokoena")
    incident = incident_in("new")
    services.set_priority(Incident.objects.get(pk=incident.pk), 1, other, 1)
    with pytest.raises(StaleIncident) as stale:
        services.acknowledge(Incident.objects.get(pk=incident.pk), 1, operator)
    assert str(stale.value).startswith("Changed by Thandi Mokoena just now")
    assert stale.value.incident.priority == 1
    assert stale.value.incident.version == 2
    assert Incident.objects.get(pk=incident.pk).status == "new"


@pytest.mark.parametrize(
    "status", ["acknowledged", "verifying", "confirmed", "responding", "closed"]
)
def test_acknowledge_is_refused_once_past_new(operator, status):
    with pytest.raises(ActionRefused, match="Cannot acknowledge"):
        services.acknowledge(incident_in(status), 1, operator)


def test_set_priority_and_assign_record_from_and_to(operator):
    colleague = factories.OperatorFactory(username="colleague")
    incident = services.set_priority(incident_in("acknowledged"), 1, operator, 1)
    assert (incident.priority, last_event(incident).from_value) == (1, "P3")
    incident = services.assign(incident, 2, operator, colleague)
    assert incident.assigned_to == colleague
    assert last_event(incident).to_value == "colleague"
    with pytest.raises(ActionRefused):
        services.set_priority(incident_in("closed"), 1, operator, 2)


@pytest.mark.parametrize("start", ["new", "acknowledged"])
def test_verify_says_what_is_being_checked(operator, start):
    incident = with_report(incident_in(start))
    incident = services.verify(incident, 1, operator, ["cctv", "reporters"], "Camera 12")
    assert incident.status == "verifying" and incident.verifying_at
    assert last_event(incident).note == "Checking: CCTV, calling the reporters. Camera 12"
    assert incident.reports.get().status == Report.Status.VERIFYING


def test_verify_is_refused_after_confirmation(operator):
    with pytest.raises(ActionRefused):
        services.verify(incident_in("confirmed"), 1, operator, ["cctv"])


def test_confirm_with_evidence_flows_to_every_report(operator):
    incident = with_report(with_report(incident_in("verifying")))
    incident = services.confirm(incident, 1, operator, "CCTV shows the fire")
    assert incident.status == "confirmed" and incident.verified_at
    assert last_event(incident).note == "CCTV shows the fire"
    assert set(incident.reports.values_list("status", flat=True)) == {"confirmed"}


def test_unfounded_debunks_and_the_reports_say_not_confirmed(operator):
    incident = with_report(incident_in("verifying"))
    incident = services.mark_unfounded(incident, 1, operator, "Old photo from 2019")
    assert incident.status == "unfounded" and incident.verified_at
    assert incident.reports.get().status == Report.Status.NOT_CONFIRMED


@pytest.mark.parametrize("action", [services.confirm, services.mark_unfounded])
def test_a_verdict_needs_an_open_verification(operator, action):
    with pytest.raises(ActionRefused):
        action(incident_in("new"), 1, operator, "evidence")


def test_only_a_supervisor_reopens(operator, supervisor):
    incident = incident_in("unfounded")
    with pytest.raises(ActionRefused, match="supervisor"):
        services.reopen(incident, 1, operator, "New footage")
    incident = services.reopen(incident, 1, supervisor, "New footage")
    assert incident.status == "verifying"
    with pytest.raises(ActionRefused):
        services.reopen(incident, 2, supervisor, "again")


def test_dispatch_sends_available_units_and_the_incident_responds(operator):
    incident = with_report(incident_in("confirmed"))
    units = [factories.ResourceFactory(), factories.ResourceFactory()]
    incident = services.dispatch(incident, 1, operator, units)
    assert incident.status == "responding" and incident.first_dispatched_at
    assert set(Resource.objects.values_list("status", flat=True)) == {"dispatched"}
    assert incident.dispatches.count() == 2
    assert incident.reports.get().status == Report.Status.ACTION_TAKEN


def test_dispatch_is_refused_before_confirmation_and_for_busy_units(operator):
    unit = factories.ResourceFactory()
    with pytest.raises(ActionRefused):
        services.dispatch(incident_in("verifying"), 1, operator, [unit])
    busy = factories.ResourceFactory(status=Resource.Status.ON_SCENE)
    incident = incident_in("confirmed")
    with pytest.raises(ActionRefused, match="no longer available"):
        services.dispatch(incident, 1, operator, [busy])
    with pytest.raises(ActionRefused):
        services.dispatch(incident, 1, operator, [])


def test_a_dispatch_moves_step_by_step_and_the_resource_follows(operator):
    unit = factories.ResourceFactory()
    incident = services.dispatch(incident_in("confirmed"), 1, operator, [unit])
    sent = incident.dispatches.get()
    for expected in ["en_route", "on_scene", "cleared"]:
        incident = services.move_dispatch(incident, incident.version, operator, sent.pk)
        sent.refresh_from_db()
        unit.refresh_from_db()
        assert sent.status == expected
        assert getattr(sent, f"{expected}_at") is not None
        assert unit.status == {"cleared": "available"}.get(expected, expected)
    assert incident.on_scene_at is not None
    with pytest.raises(ActionRefused, match="no further step"):
        services.move_dispatch(incident, incident.version, operator, sent.pk)


def test_resolve_waits_for_every_unit_to_clear_then_close(operator):
    unit = factories.ResourceFactory()
    incident = services.dispatch(with_report(incident_in("confirmed")), 1, operator, [unit])
    with pytest.raises(ActionRefused, match="Clear every unit"):
        services.resolve(incident, incident.version, operator, "Fire out")
    for _ in range(3):
        incident = services.move_dispatch(
            incident, incident.version, operator, Dispatch.objects.get().pk
        )
    incident = services.resolve(incident, incident.version, operator, "Fire out")
    assert incident.status == "resolved" and incident.resolved_at and incident.outcome
    incident = services.close(incident, incident.version, operator, "No injuries; shop insured")
    assert incident.status == "closed" and incident.closed_at
    assert incident.reports.get().status == Report.Status.CLOSED


def test_close_is_refused_while_open(operator):
    with pytest.raises(ActionRefused, match="Cannot close"):
        services.close(incident_in("confirmed"), 1, operator, "done")


def test_merge_moves_the_reports_and_records_on_both_timelines(operator):
    source = with_report(incident_in("new"))
    moved = source.reports.get()
    target = with_report(incident_in("verifying"))
    source = services.merge(source, 1, operator, target)
    assert source.status == "merged" and source.merged_into == target
    assert target.reports.count() == 2
    moved.refresh_from_db()
    assert moved.status == Report.Status.VERIFYING  # it takes the status of its new incident
    assert last_event(source).note == f"Merged into {target.reference}"
    assert last_event(target).note == f"Merged from {source.reference}"


def test_merge_needs_another_open_incident(operator):
    incident = incident_in("new")
    with pytest.raises(ActionRefused):
        services.merge(incident, 1, operator, incident)
    with pytest.raises(ActionRefused):
        services.merge(incident, 1, operator, incident_in("closed"))


def test_link_and_split_a_report_are_on_both_timelines(operator):
    source = with_report(with_report(incident_in("new")))
    target = incident_in("confirmed")
    moved = source.reports.first()
    services.link_report(moved, target, operator)
    moved.refresh_from_db()
    assert moved.incident == target and moved.status == Report.Status.CONFIRMED
    assert "moved to" in last_event(source).note and "moved from" in last_event(target).note
    with_report(target)
    new = services.split_report(moved, operator)
    assert new != target and new.reports.get() == moved
    assert "split out" in last_event(target).note
    with pytest.raises(ActionRefused):
        services.split_report(moved, operator)  # alone on its incident already


def test_internal_notes_stay_internal_and_follow_ups_reach_the_reports(
    operator, django_capture_on_commit_callbacks
):
    incident = with_report(incident_in("confirmed"))
    services.add_note(incident, operator, "Caller sounded unsure")
    with django_capture_on_commit_callbacks(execute=True):
        services.post_follow_up(incident, operator, "Units are on the way")
    note, follow_up = incident.events.order_by("id")
    assert (note.kind, note.public) == ("add_note", False)
    assert (follow_up.kind, follow_up.public) == ("post_follow_up", True)
    updates = incident.reports.get().updates.all()
    assert [u.text for u in updates if u.kind == "joc_message"] == ["Units are on the way"]
    assert incident.version == 1  # appending text overwrites nothing


def test_an_incident_leaving_the_open_queue_is_published_without_its_row(
    operator, django_capture_on_commit_callbacks, settings
):
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from watchline import live

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    incident = factories.IncidentFactory(status=Incident.Status.VERIFYING)
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(live.OPERATORS, channel)
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_unfounded(incident, incident.version, operator, "CCTV shows nothing")
    html = async_to_sync(layer.receive)(channel)["html"]
    assert f'id="queue-signal" hx-swap-oob="outerHTML" hidden data-incident="{incident.pk}"' in html
    assert f'<tr id="incident-{incident.pk}"' not in html


def test_merge_rechecks_its_target_under_lock(operator):
    """The target the operator named may have changed since: merged elsewhere, or edited."""
    source, target = incident_in("new"), incident_in("new")
    seen_target = Incident.objects.get(pk=target.pk)
    services.merge(target, 1, operator, incident_in("new"))  # the target is merged meanwhile
    with pytest.raises(ActionRefused, match="merged"):
        services.merge(source, 1, operator, seen_target)
    other = incident_in("new")
    seen_other = Incident.objects.get(pk=other.pk)
    services.set_priority(other, 1, operator, 1)
    with pytest.raises(StaleIncident):
        services.merge(source, 1, operator, seen_other)
    assert Incident.objects.get(pk=source.pk).status == "new"


def test_link_and_split_are_refused_once_someone_else_moved_the_report(operator):
    source = with_report(with_report(incident_in("new")))
    report = source.reports.select_related("incident").first()
    seen = Report.objects.select_related("incident").get(pk=report.pk)
    services.link_report(report, incident_in("new"), operator)
    with pytest.raises(ActionRefused, match="moved by someone else"):
        services.link_report(seen, incident_in("new"), operator)
    with pytest.raises(ActionRefused, match="moved by someone else"):
        services.split_report(seen, operator)


def test_a_public_follow_up_costs_the_same_for_1_or_30_reports(operator):
    """Telling each report's sender is background work: posting is a constant number of
    queries, whatever the incident's report count (issue 19 item 10)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (1, 30):
        incident = incident_in("confirmed")
        for _ in range(size):
            with_report(incident)
        with CaptureQueriesContext(connection) as queries:
            services.post_follow_up(incident, operator, "Units are on the way")
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_public_follow_up_reaches_every_report_once_even_if_told_twice(
    operator, django_capture_on_commit_callbacks
):
    from joc import tasks

    incident = incident_in("confirmed")
    for _ in range(3):
        with_report(incident)
    with django_capture_on_commit_callbacks(execute=True):
        services.post_follow_up(incident, operator, "Units are on the way")
    event = incident.events.get(kind="post_follow_up")
    ids = list(incident.reports.values_list("pk", flat=True))
    tasks.tell_reporters.call(event.pk, ids)  # a worker running the task again
    for report in incident.reports.all():
        assert list(report.updates.filter(kind="joc_message").values_list("text", flat=True)) == [
            "Units are on the way"
        ]
