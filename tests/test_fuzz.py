"""Hypothesis over every form and htmx endpoint: whatever is typed, no 5xx, no half-saved row
(a refused request leaves every table as it was), and user text escaped wherever it is shown:
the pages that show it, and the live fragments sent to the dashboards and portals.

Deterministic (derandomize) and modest in examples, so it runs the same in CI every time."""

import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.models import User
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alerts.models import Alert
from cwg.models import CommunityWatchGroup, Representative
from joc.models import Incident, IncidentEvent
from reports.models import Report, ReportUpdate
from tests import factories
from watchline import live

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# What a hostile or clumsy sender types: markup that must come back escaped (MARK is looked
# for raw in every page and fragment), control characters, huge numbers, odd dates.
MARK = "<i data-fuzz>"
HOSTILE = [
    f"{MARK}x</i>",
    '"><script>alert(1)</script>',
    "\x00",
    "a\x00b",
    "' OR 1=1 --",
    "9" * 40,
    "-1",
    "0001-01-01T00:00",
    "99999-12-31T23:59",
    "😀" * 50,
    "x" * 5000,
    " ",
]
text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(HOSTILE),
    st.text(max_size=20).map(lambda t: t + MARK),
)


def overrides(fields):
    return st.dictionaries(st.sampled_from(sorted(fields)), text, max_size=len(fields))


def counts(models):
    return {model.__name__: model.objects.count() for model in models}


def refused(response):
    body = response.content.decode(errors="replace")
    return response.status_code >= 400 or 'class="field-error"' in body


def assert_escaped(html, where):
    assert MARK not in html, f"unescaped user text in {where}"
    assert "<script>alert(1)" not in html, f"unescaped user text in {where}"


class Listener:
    """A channel on the channel layer, in the groups live fragments go to (the in-memory
    layer: see `fuzz_settings`)."""

    def __init__(self, *groups):
        self.layer = get_channel_layer()
        self.channel = async_to_sync(self.layer.new_channel)()
        for group in groups:
            async_to_sync(self.layer.group_add)(group, self.channel)

    def fragments(self):
        async def drain():
            import asyncio

            found = []
            while True:
                try:
                    message = await asyncio.wait_for(self.layer.receive(self.channel), 0.05)
                except TimeoutError:
                    return found
                found.append(message.get("html", ""))

        return async_to_sync(drain)()


def post_and_check(client, url, data, models, capture, **extra):
    before = counts(models)
    with capture(execute=True):
        response = client.post(url, data, **extra)
    assert response.status_code < 500, response.status_code
    if refused(response):
        assert counts(models) == before, "a refused request changed the database"
    assert_escaped(response.content.decode(errors="replace"), url)
    return response


@pytest.fixture(autouse=True)
def fuzz_settings(settings):
    # The fragments are read back in this process, whatever layer the run is configured with.
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.REGISTRATION_RATE_LIMIT = "100000/h"
    settings.REPORT_RATE_LIMIT = "100000/m"
    settings.PASSWORD_RESET_RATE_LIMIT = "100000/h"


# --- The public application ------------------------------------------------------------------

APPLY_FIELDS = {
    "cwg-name": "Fuzz Watch",
    "cwg-area_description": "Main Road",
    "cwg-registration_number": "",
    "cwg-contact_email": "coord@example.org",
    "cwg-contact_phone": "021 555 0100",
    "rep1-first_name": "Thandi",
    "rep1-last_name": "Mokoena",
    "rep1-phone": "082 123 4567",
    "rep1-email": "thandi@example.org",
    "rep2-first_name": "",
    "rep2-last_name": "",
    "rep2-phone": "",
    "rep2-email": "",
}


def test_the_application_form(client, fuzz_settings, django_capture_on_commit_callbacks):
    ward = factories.WardFactory(number=54)
    admin = factories.AdminFactory()
    serial = iter(range(10**6))

    @FUZZ
    @given(changes=overrides(APPLY_FIELDS))
    def run(changes):
        n = next(serial)
        data = APPLY_FIELDS | {"cwg-name": f"Fuzz Watch {n}", "rep1-phone": f"08212{n:05d}"}
        data |= {"rep1-email": f"t{n}@example.org", "cwg-wards": [str(ward.pk)]} | changes
        models = [CommunityWatchGroup, Representative, User]
        response = post_and_check(
            client, reverse("cwg:apply"), data, models, django_capture_on_commit_callbacks
        )
        if response.status_code == 302:
            shown = client.get(reverse("cwg:applied")).content.decode()
            assert_escaped(shown, "the confirmation")
            client.force_login(admin)
            listed = client.get(reverse("admin:cwg_communitywatchgroup_changelist"))
            assert_escaped(listed.content.decode(), "the admin's CWG list")
            client.logout()

    run()


# --- A representative's report and follow-up -----------------------------------------------

REPORT_FIELDS = [
    "description",
    "location_text",
    "latitude",
    "longitude",
    "observed_at",
    "people_count",
    "urgency",
    "source",
    "category",
    "ward",
    "client_token",
]


def report_form(rep):
    return {
        "category": factories.CategoryFactory(slug="fire").pk,
        "description": "Shack fire spreading",
        "location_text": "Corner of Lansdowne Rd",
        "ward": rep.cwg.wards.first().pk,
        "latitude": "-33.95",
        "longitude": "18.47",
        "observed_at": "2026-11-01T10:15",
        "source": "eyewitness",
        "urgency": "urgent",
        "people_count": "3",
    }


def test_the_report_form_and_its_live_fragments(
    client, fuzz_settings, django_capture_on_commit_callbacks
):
    rep = factories.RepresentativeFactory()
    operator = factories.OperatorFactory()
    base = report_form(rep)
    listener = Listener(live.OPERATORS, live.cwg_group(rep.cwg_id))

    @FUZZ
    @given(changes=overrides(REPORT_FIELDS))
    def run(changes):
        client.force_login(rep.user)
        data = base | {"client_token": str(uuid.uuid4())} | changes
        models = [Report, Incident, IncidentEvent]
        newest = Report.objects.order_by("-pk").first()
        post_and_check(
            client, reverse("reports:new"), data, models, django_capture_on_commit_callbacks
        )
        fragments = listener.fragments()
        for html in fragments:
            assert_escaped(html, "a live fragment")
        report = Report.objects.order_by("-pk").first()
        if report != newest:
            assert fragments, "a new report reaches the dashboards live"
            page = client.get(reverse("reports:detail", args=[report.reference]))
            assert_escaped(page.content.decode(), "the report page")
            client.force_login(operator)
            for url in (
                reverse("joc:dashboard"),
                reverse("joc:incident", args=[report.incident_id]),
            ):
                assert_escaped(client.get(url).content.decode(), url)

    run()


def test_a_follow_up(client, fuzz_settings, django_capture_on_commit_callbacks):
    rep = factories.RepresentativeFactory()
    report = factories.ReportFactory(cwg=rep.cwg, submitted_by=rep.user)
    client.force_login(rep.user)
    url = reverse("reports:follow_up", args=[report.reference])
    listener = Listener(live.OPERATORS, live.cwg_group(rep.cwg_id))

    @FUZZ
    @given(changes=overrides(["text", "client_token"]))
    def run(changes):
        data = {"text": "Still burning", "client_token": str(uuid.uuid4())} | changes
        post_and_check(client, url, data, [ReportUpdate], django_capture_on_commit_callbacks)
        for html in listener.fragments():
            assert_escaped(html, "a live fragment")
        page = client.get(reverse("reports:detail", args=[report.reference]))
        assert_escaped(page.content.decode(), "the report page")

    run()


# --- The operators' htmx actions --------------------------------------------------------------

ACTION_FIELDS = {
    "acknowledge": [],
    "set_priority": ["priority"],
    "assign": ["operator"],
    "verify": ["checks", "note"],
    "confirm": ["evidence"],
    "mark_unfounded": ["evidence"],
    "reopen": ["reason"],
    "dispatch": ["resources"],
    "move_dispatch": ["dispatch"],
    "resolve": ["outcome"],
    "close": ["outcome"],
    "merge": ["target"],
    "add_note": ["text"],
    "post_follow_up": ["text"],
    "move_report": ["report", "target"],
}


@pytest.mark.parametrize("action", sorted(ACTION_FIELDS))
def test_every_incident_action(action, client, django_capture_on_commit_callbacks):
    operator = factories.OperatorFactory()
    incident = factories.IncidentFactory()
    factories.ReportFactory(incident=incident)
    client.force_login(operator)
    url = reverse("joc:incident_action", args=[incident.pk, action])
    listener = Listener(live.OPERATORS)

    @settings(FUZZ, max_examples=10)
    @given(changes=overrides([*ACTION_FIELDS[action], "version"]))
    def run(changes):
        incident.refresh_from_db()
        data = {"version": str(incident.version)} | changes
        post_and_check(
            client,
            url,
            data,
            [Incident, IncidentEvent],
            django_capture_on_commit_callbacks,
            HTTP_HX_REQUEST="true",
        )
        for html in listener.fragments():
            assert_escaped(html, "a live fragment")
        page = client.get(reverse("joc:incident", args=[incident.pk]))
        assert_escaped(page.content.decode(), "the incident page")

    run()


# --- Alerts -------------------------------------------------------------------------------------

ALERT_FIELDS = ["title", "message", "severity", "wards", "expires_at", "all_wards", "incident"]


def test_the_alert_form(client, django_capture_on_commit_callbacks):
    ward = factories.WardFactory(number=44)
    rep = factories.RepresentativeFactory(cwg__wards=[ward])
    client.force_login(factories.OperatorFactory())
    listener = Listener(live.cwg_group(rep.cwg_id), live.OPERATORS)

    @FUZZ
    @given(changes=overrides(ALERT_FIELDS))
    def run(changes):
        data = {"title": "Flood", "message": "Avoid", "severity": "warning", "wards": [ward.pk]}
        post_and_check(
            client,
            reverse("alerts:new"),
            data | changes,
            [Alert],
            django_capture_on_commit_callbacks,
        )
        for html in listener.fragments():
            assert_escaped(html, "a live fragment")
        newest = Alert.objects.order_by("-pk").first()
        if newest is not None:
            page = client.get(reverse("alerts:detail", args=[newest.pk]))
            assert_escaped(page.content.decode(), "the alert page")

    run()


# --- A representative replacing the other one -------------------------------------------------


def test_the_replace_form(client, django_capture_on_commit_callbacks):
    rep = factories.RepresentativeFactory(seat=1)
    factories.RepresentativeFactory(cwg=rep.cwg, seat=2)
    client.force_login(rep.user)
    serial = iter(range(10**6))

    @FUZZ
    @given(changes=overrides(["first_name", "last_name", "phone", "email"]))
    def run(changes):
        n = next(serial)
        data = {"first_name": "N", "last_name": "K", "phone": f"08376{n:05d}"}
        data |= {"email": f"n{n}@example.org"} | changes
        post_and_check(
            client,
            reverse("cwg:replace"),
            data,
            [Representative, User],
            django_capture_on_commit_callbacks,
        )
        assert_escaped(client.get(reverse("cwg:portal")).content.decode(), "the portal")

    run()


# --- Filters and lookups (htmx GETs) ------------------------------------------------------------

GETS = {
    "joc:dashboard": ("operator", ["status", "category", "ward", "priority", "mine", "exercise"]),
    "cwg:directory": ("operator", ["q", "ward", "status", "page"]),
    "cwg:ward_at": ("operator", ["lat", "lng"]),
    "exercises:period_after_action": ("operator", ["start", "end"]),
    "reports:list": ("rep", ["page", "status"]),
}


@pytest.mark.parametrize("name", sorted(GETS))
def test_every_filter(name, client):
    role, fields = GETS[name]
    user = (
        factories.OperatorFactory()
        if role == "operator"
        else factories.RepresentativeFactory().user
    )
    client.force_login(user)

    @FUZZ
    @given(params=overrides(fields))
    def run(params):
        for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
            response = client.get(reverse(name), params, **headers)
            assert response.status_code < 500
            assert_escaped(response.content.decode(errors="replace"), name)

    run()


# --- Every other form: exercises, alert follow-ups, accounts --------------------------------


def prefixed(form_class, prefix=""):
    return [f"{prefix}-{name}" if prefix else name for name in form_class.base_fields]


def other_forms():
    from alerts import forms as alert_forms
    from exercises import forms as exercise_forms
    from watchline.accounts import TokenForm

    e = exercise_forms
    evaluation = ["form"]
    for form_class, prefix in (
        (e.ObjectiveForm, "objective"),
        (e.ObservationForm, "observation"),
        (e.ImprovementActionForm, "action"),
    ):
        evaluation += prefixed(form_class, prefix)
    # name: (role, URL kwargs, fields, the page that shows what was saved)
    return {
        "exercises:new": ("supervisor", {}, prefixed(e.ExerciseForm), "exercises:list"),
        "exercises:edit": ("supervisor", {"pk"}, prefixed(e.ExerciseForm), "exercises:detail"),
        "exercises:inject_new": ("supervisor", {"pk"}, prefixed(e.InjectForm), "exercises:detail"),
        "exercises:inject_edit": (
            "supervisor",
            {"pk", "inject_id"},
            prefixed(e.InjectForm),
            "exercises:detail",
        ),
        "exercises:evaluation": ("supervisor", {"pk"}, evaluation, "exercises:after_action"),
        "exercises:action_status": (
            "supervisor",
            {"pk", "action_id"},
            prefixed(e.ActionStatusForm),
            "exercises:evaluation",
        ),
        "alerts:update": ("operator", {"pk"}, prefixed(alert_forms.UpdateForm), "alerts:detail"),
        "alerts:cancel": ("operator", {"pk"}, prefixed(alert_forms.CancelForm), "alerts:detail"),
        "alerts:acknowledge": ("rep", {"pk"}, ["version"], "cwg:portal"),
        "login": ("anonymous", {}, ["username", "password"], None),
        "password_reset": ("anonymous", {}, ["email"], None),
        "password_change": ("rep", {}, ["old_password", "new_password1", "new_password2"], None),
        "two_factor_verify": ("operator", {}, prefixed(TokenForm), None),
        "two_factor_setup": ("operator", {}, prefixed(TokenForm), None),
    }


OTHER_FORMS = sorted(other_forms())


@pytest.mark.parametrize("name", OTHER_FORMS)
def test_every_other_form(name, client, fuzz_settings, django_capture_on_commit_callbacks):
    from alerts import services as alert_services
    from exercises.models import Exercise, ImprovementAction, Inject, Objective, Observation

    role, url_kwargs, fields, shown = other_forms()[name]
    ward = factories.WardFactory(number=1)
    rep = factories.RepresentativeFactory(cwg__wards=[ward])
    supervisor = factories.SupervisorFactory()
    inject = factories.InjectFactory(representative=rep)
    alert = alert_services.compose(
        supervisor,
        title="Flood",
        message="Avoid Main Road.",
        severity="warning",
        wards=[ward],
        all_wards=False,
        expires_at=None,
    )
    values = {
        "pk": alert.pk if name.startswith("alerts:") else inject.exercise_id,
        "inject_id": inject.pk,
        "action_id": ImprovementAction.objects.create(
            exercise=inject.exercise, action="Drill", owner="JOC", due_date="2026-12-01"
        ).pk,
    }
    users = {"rep": rep.user, "operator": factories.OperatorFactory(), "supervisor": supervisor}
    kwargs = {key: values[key] for key in url_kwargs}
    url = reverse(name, kwargs=kwargs)
    models = [Exercise, Inject, Objective, Observation, ImprovementAction, Alert, User]

    @settings(FUZZ, max_examples=15)
    @given(changes=overrides(fields))
    def run(changes):
        client.logout()
        if role != "anonymous":
            client.force_login(users[role])
        post_and_check(client, url, changes, models, django_capture_on_commit_callbacks)
        if shown:
            page_kwargs = {} if shown in ("cwg:portal", "exercises:list") else {"pk": kwargs["pk"]}
            page = client.get(reverse(shown, kwargs=page_kwargs))
            assert page.status_code < 500
            assert_escaped(page.content.decode(errors="replace"), shown)

    run()
