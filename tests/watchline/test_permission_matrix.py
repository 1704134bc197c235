"""The permission matrix, generated from the URL resolver: every URL pattern × every role ×
GET and POST answers as its entry in EXPECTED says (a new URL without an entry fails), and
every WebSocket endpoint × role × group, also after the access ends.

A role is *let in* when the view answers (2xx, a redirect other than "log in first", or a
4xx about the input: 400, 409, 429); it is *kept out* by a redirect to log in first, 403 or
404 (an object it may not see does not exist for it); 405 (the method is not served) counts
as kept out. Never a 5xx. Each request runs in its own rolled-back transaction."""

import uuid
from dataclasses import dataclass

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.views.generic import RedirectView
from django_otp.plugins.otp_totp.models import TOTPDevice

from alerts import services as alert_services
from cwg import services as cwg_services
from exercises.models import ImprovementAction
from reports import services as report_services
from reports.whatsapp.models import Delivery, InboundMessage
from tests import factories
from tests.reports import images
from tests.reports.test_services import report_data
from tests.watchline.sockets import browser, closed_with, socket
from watchline.routing import websocket_urlpatterns

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "rep_a",
    "rep_b",
    "rep_suspended",
    "former_rep",
    "inactive",
    "operator",
    "supervisor",
    "city_admin",
]

# Who each rule lets in.
NOBODY = frozenset()
EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {"anonymous", "inactive"}  # an inactive account's session is anonymous
JOC = frozenset({"operator", "supervisor"})
SUPERVISOR = frozenset({"supervisor"})
REPS = frozenset({"rep_a", "rep_b", "rep_suspended"})  # an active seat, whatever the CWG's status
REPORTERS = frozenset({"rep_a", "rep_b"})  # an active seat in an approved CWG
CWG_A = frozenset({"rep_a"})  # the representative of the object's own CWG
ADMIN = frozenset({"city_admin"})
WARD_READERS = JOC | REPS | ADMIN
NOT_PRIVILEGED = EVERYONE - JOC - ADMIN


@dataclass(frozen=True)
class Entry:
    get: frozenset
    post: frozenset


def entry(get, post=None):
    return Entry(get, NOBODY if post is None else post)


def post_only(roles):
    return Entry(NOBODY, roles)


def both(roles):
    return Entry(roles, roles)


EXPECTED = {
    # The project's own pages
    "home": both(LOGGED_IN - {"former_rep"}),  # a former representative has no role: 403
    "healthz": entry(EVERYONE),
    "livez": entry(EVERYONE),
    # Accounts
    "login": both(EVERYONE),
    "logout": post_only(EVERYONE),
    "password_change": both(LOGGED_IN),
    "password_change_done": entry(LOGGED_IN),
    "password_reset": both(EVERYONE),
    "password_reset_done": entry(EVERYONE),
    "password_reset_confirm": both(EVERYONE),
    "password_reset_complete": entry(EVERYONE),
    "two_factor_setup": both(JOC | ADMIN),
    "two_factor_verify": both(LOGGED_IN),
    # The JOC floor
    "joc:dashboard": entry(JOC),
    "joc:resources": entry(JOC),
    "joc:incident": entry(JOC),
    "joc:incident_notice": entry(JOC),
    "joc:incident_action": post_only(JOC),
    "cwg:directory": entry(JOC),
    # CWGs
    "cwg:apply": both(EVERYONE),
    "cwg:applied": entry(EVERYONE),
    "cwg:accept_invitation": both(frozenset({"former_rep"})),  # the invited account only
    "cwg:portal": entry(REPS),
    "cwg:portal_status": entry(REPS),
    "cwg:replace": post_only(REPS),
    "cwg:language": both(REPS),
    "cwg:ward_outlines": entry(WARD_READERS),
    "cwg:ward_at": entry(WARD_READERS),
    # Reports
    "reports:list": entry(REPS),  # the JOC reads reports on its incidents
    "reports:new": both(REPORTERS),  # a suspended CWG's representative is told why (403)
    "reports:photo": entry(CWG_A | JOC),
    "reports:detail": entry(CWG_A | JOC),
    "reports:follow_up": post_only(CWG_A),
    # Alerts
    "alerts:list": entry(JOC),
    "alerts:new": both(JOC),
    "alerts:reach": entry(JOC),
    "alerts:detail": entry(JOC),
    "alerts:approve": post_only(SUPERVISOR),
    "alerts:update": post_only(JOC),
    "alerts:cancel": post_only(JOC),
    "alerts:feed": entry(JOC),
    "alerts:cap": entry(JOC),
    "alerts:portal": entry(REPS),
    "alerts:past": entry(REPS),
    "alerts:acknowledge": post_only(CWG_A),
    # WhatsApp
    "whatsapp:webhook": both(NOBODY),  # 404 until the line is configured (its own tests)
    "whatsapp:media": entry(JOC),
    # Exercises
    "exercises:list": entry(JOC),
    "exercises:new": both(SUPERVISOR),
    "exercises:period_after_action": entry(JOC),
    "exercises:period_csv": entry(JOC),
    "exercises:detail": entry(JOC),
    "exercises:edit": both(SUPERVISOR),
    "exercises:inject_new": both(SUPERVISOR),
    "exercises:inject_import": post_only(SUPERVISOR),
    "exercises:inject_edit": both(SUPERVISOR),
    "exercises:inject_delete": post_only(SUPERVISOR),
    "exercises:inject_ask": post_only(SUPERVISOR),
    "exercises:after_action": entry(JOC),
    "exercises:csv": entry(JOC),
    "exercises:evaluation": both(SUPERVISOR),
    "exercises:action_status": post_only(SUPERVISOR),
    "exercises:control": post_only(SUPERVISOR),
}

# The Django admin: city admins only, every page and every model; its login page and logout
# are for everyone. Some pages it refuses even to city admins (403): records that only the
# services write (adding or deleting incidents, reports, deliveries, task results; changing
# WhatsApp messages), CWGs that only come from applications, the security policy's one row.
READ_ONLY = both(NOBODY)
VIEW_ONLY = entry(ADMIN)
ADMIN_EXCEPTIONS = {
    "admin:login": both(EVERYONE),
    # Others are sent to the admin's index (and from there to its login); a city admin logs
    # out by POST only.
    "admin:logout": Entry(EVERYONE - ADMIN, EVERYONE),
    "admin:jsi18n": entry(ADMIN),
    "admin:password_change_done": entry(ADMIN),
    "admin:autocomplete": READ_ONLY,  # no autocomplete field is declared: 403 for everyone
    "admin:view_on_site": READ_ONLY,  # no model has a public page
    "admin:alerts_agencytoken_change": VIEW_ONLY,  # issued and revoked, never edited
    "admin:alerts_agencytoken_delete": READ_ONLY,
    "admin:axes_accessattempt_add": READ_ONLY,
    "admin:axes_accessfailurelog_add": READ_ONLY,
    "admin:axes_accesslog_add": READ_ONLY,
    "admin:cwg_communitywatchgroup_add": READ_ONLY,
    "admin:django_tasks_database_dbtaskresult_add": READ_ONLY,
    "admin:exercises_escalation_add": READ_ONLY,
    "admin:django_tasks_database_dbtaskresult_change": VIEW_ONLY,
    "admin:django_tasks_database_dbtaskresult_delete": READ_ONLY,
    "admin:joc_dispatch_add": READ_ONLY,
    "admin:joc_dispatch_change": VIEW_ONLY,
    "admin:joc_dispatch_delete": READ_ONLY,
    "admin:joc_incident_add": READ_ONLY,
    "admin:joc_incident_delete": READ_ONLY,
    "admin:reports_report_add": READ_ONLY,
    "admin:reports_report_delete": READ_ONLY,
    "admin:watchline_securitypolicy_delete": READ_ONLY,
    "admin:whatsapp_delivery_add": READ_ONLY,
    "admin:whatsapp_delivery_change": VIEW_ONLY,
    "admin:whatsapp_inboundmessage_add": READ_ONLY,
    "admin:whatsapp_inboundmessage_change": VIEW_ONLY,
    "admin:whatsapp_messagestatus_add": READ_ONLY,
    "admin:whatsapp_messagestatus_change": VIEW_ONLY,
    "admin:whatsapp_outboundmessage_add": READ_ONLY,
    "admin:whatsapp_outboundmessage_change": VIEW_ONLY,
}


def expected(name):
    if name in EXPECTED:
        return EXPECTED[name]
    if name in ADMIN_EXCEPTIONS:
        return ADMIN_EXCEPTIONS[name]
    if name.startswith("admin:"):
        return both(ADMIN)
    return None


def url_patterns(patterns=None, namespace=""):
    """(name, pattern) for every named URL pattern, the admin's included."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and not _admin_legacy_redirect(namespace, pattern):
            yield f"{namespace}{pattern.name}", pattern


def _admin_legacy_redirect(namespace, pattern):
    """The admin's unnamed patterns: `<object_id>/` only redirects to the named change page,
    and its catch-all sends a logged-out visitor to its login page (or answers 404)."""
    return (
        namespace == "admin:"
        and pattern.name is None
        and (
            getattr(pattern.callback, "view_class", None) is RedirectView
            or pattern.callback.__name__ == "catch_all_view"
        )
    )


ALL = sorted({name for name, _ in url_patterns()})


def test_every_url_pattern_is_named_and_has_an_entry():
    unnamed = [str(p.pattern) for name, p in url_patterns() if name.endswith(":None")]
    assert unnamed == []
    missing = [name for name in ALL if expected(name) is None]
    assert missing == [], f"add these URLs to the permission matrix: {missing}"
    stale = sorted((set(EXPECTED) | set(ADMIN_EXCEPTIONS)) - set(ALL))
    assert stale == [], f"these entries name no URL any more: {stale}"


# --- The world the matrix runs in -------------------------------------------------------------


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    supervisor = factories.SupervisorFactory()
    rep_a = factories.RepresentativeFactory()
    rep_b = factories.RepresentativeFactory(cwg__wards=[factories.WardFactory(number=2)])
    rep_suspended = factories.RepresentativeFactory(cwg__status="suspended")
    former = factories.RepresentativeFactory()
    cwg_services.end_representative(former, supervisor)
    users = {
        "rep_a": rep_a.user,
        "rep_b": rep_b.user,
        "rep_suspended": rep_suspended.user,
        "former_rep": former.user,
        "inactive": factories.OperatorFactory(is_active=False),
        "operator": factories.OperatorFactory(),
        "supervisor": supervisor,
        "city_admin": factories.AdminFactory(),
    }
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = report_services.submit_report(
            user=rep_a.user,
            cwg=rep_a.cwg,
            data=report_data(),
            photos=[images.jpeg()],
            client_token=uuid.uuid4(),
        )
        alert = alert_services.compose(
            supervisor,
            title="Flooding",
            message="Avoid Main Road.",
            severity="warning",
            wards=list(rep_a.cwg.wards.all()),
            all_wards=False,
            expires_at=None,
        )
    inject = factories.InjectFactory(representative=rep_a)
    exercise = inject.exercise
    action = ImprovementAction.objects.create(
        exercise=exercise, action="Drill again", owner="JOC", due_date="2026-12-01"
    )
    message = InboundMessage(
        wamid="wamid.matrix",
        delivery=Delivery.objects.create(body=b"{}"),
        kind="audio",
        sent_at=timezone.now(),
        payload={},
        media_type="audio/ogg",
    )
    message.media_file.save("voice.ogg", ContentFile(b"OggS"), save=False)
    message.save()
    invitation = cwg_services.invitation_token(rep_b.cwg, former.user.email.lower(), 2, "+2782")
    values = {
        "pk": None,  # per namespace, below
        "reference": report.reference,
        "variant": "public",
        "token": invitation,
        "uidb64": urlsafe_base64_encode(force_bytes(users["operator"].pk)),
        "number": 1,
        "table": "summary",
        "inject_id": inject.pk,
        "action_id": action.pk,
        "content_type_id": ContentType.objects.get_for_model(type(report)).pk,
        "object_id": str(report.pk),
        "app_label": "cwg",
        "id": users["operator"].pk,
    }
    pks = {
        "joc": report.incident_id,
        "reports": report.photos.get().pk,
        "alerts": alert.pk,
        "whatsapp": message.pk,
        "exercises": exercise.pk,
        "admin": TOTPDevice.objects.create(user=factories.UserFactory(), name="phone").pk,
    }
    actions = {"joc": "acknowledge", "exercises": "start"}
    return {
        "users": users,
        "values": values,
        "pks": pks,
        "actions": actions,
        "reset_token": default_token_generator.make_token(users["operator"]),
    }


def url_for(name, pattern, world):
    namespace = name.split(":")[0] if ":" in name else ""
    kwargs = {}
    for key in pattern.pattern.converters if hasattr(pattern.pattern, "converters") else {}:
        kwargs[key] = world["values"].get(key)
    for key in pattern.pattern.regex.groupindex:
        if key == "pk":
            kwargs[key] = world["pks"][namespace]
        elif key == "action":
            kwargs[key] = world["actions"][namespace]
        elif name == "password_reset_confirm" and key == "token":
            kwargs[key] = world["reset_token"]
        else:
            kwargs[key] = world["values"][key]
    return reverse(name, kwargs=kwargs)


def client_for(role, world):
    client = Client()
    if role != "anonymous":
        client.force_login(world["users"][role])
    return client


LOGIN_PAGES = ("/accounts/login/", "/admin/login/", "/accounts/two-factor/")


def outcome(response):
    status = response.status_code
    assert status < 500, f"{status}"
    if status in (401, 403, 404):
        return "out"
    if status == 405:
        return "not served"
    location = response.get("Location", "")
    if 300 <= status < 400 and location.startswith(LOGIN_PAGES) and "next=" in location:
        return "out"  # sent to log in (or to the second factor) first
    return "in"


PATTERNS = dict(url_patterns())


@pytest.mark.parametrize("name", ALL)
def test_the_matrix(name, world):
    rule = expected(name)
    assert rule is not None, f"{name} has no entry in the permission matrix"
    url = url_for(name, PATTERNS[name], world)
    wrong = []
    for role in ROLES:
        for method, allowed in (("GET", rule.get), ("POST", rule.post)):
            with transaction.atomic():
                client = client_for(role, world)
                response = getattr(client, method.lower())(url)
                result = outcome(response)
                transaction.set_rollback(True)
            if role in allowed and result != "in":
                wrong.append(f"{method} {role}: kept out ({response.status_code})")
            if role not in allowed and result == "in":
                wrong.append(f"{method} {role}: let in ({response.status_code})")
    assert wrong == [], f"{name} {url}: " + "; ".join(wrong)


# --- WebSockets ---------------------------------------------------------------------------------

# Endpoint → {group the URL names: roles let in}. "a", "b" and "suspended" are the CWGs of
# rep_a, rep_b and rep_suspended.
SOCKETS = {
    "ws/dashboard/": {None: JOC},
    "ws/cwg/<int:cwg_id>/": {"a": CWG_A, "b": frozenset({"rep_b"}), "suspended": NOBODY},
    "": {None: NOBODY},  # any other /ws/ path
}


def test_every_websocket_endpoint_has_an_entry():
    assert sorted(str(p.pattern) for p in websocket_urlpatterns) == sorted(SOCKETS)


def socket_world():
    rep_a = factories.RepresentativeFactory()
    rep_b = factories.RepresentativeFactory()
    rep_suspended = factories.RepresentativeFactory(cwg__status="suspended")
    former = factories.RepresentativeFactory(cwg=rep_a.cwg, seat=2)
    cwg_services.end_representative(former, None)
    users = {
        "anonymous": None,
        "rep_a": rep_a.user,
        "rep_b": rep_b.user,
        "rep_suspended": rep_suspended.user,
        "former_rep": former.user,
        "inactive": factories.OperatorFactory(is_active=False),
        "operator": factories.OperatorFactory(),
        "supervisor": factories.SupervisorFactory(),
        "city_admin": factories.AdminFactory(),
    }
    cwgs = {"a": rep_a.cwg_id, "b": rep_b.cwg_id, "suspended": rep_suspended.cwg_id}
    return users, cwgs


def socket_path(pattern, cwgs, group):
    if not pattern:
        return "/ws/elsewhere/"
    return "/" + pattern.replace("<int:cwg_id>", str(cwgs[group]) if group else "")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("pattern", sorted(SOCKETS))
def test_the_websocket_matrix_and_the_end_of_access(pattern):
    users, cwgs = socket_world()
    cases = []
    for group, allowed in SOCKETS[pattern].items():
        for role in ROLES:
            client = browser(users[role])
            cases.append(
                (
                    group,
                    role,
                    role in allowed,
                    client,
                    socket(socket_path(pattern, cwgs, group), client),
                )
            )

    async def scenario():
        wrong = []
        for group, role, allowed, client, communicator in cases:
            connected, _ = await communicator.connect()
            if connected != allowed:
                wrong.append(f"{group} {role}: {'let in' if connected else 'kept out'}")
            if connected:
                # The access ends: that browser logs out, and its socket closes.
                await database_sync_to_async(client.post)(reverse("logout"))
                if await closed_with(communicator) != 4403:
                    wrong.append(f"{group} {role}: still open after logout")
        return wrong

    assert async_to_sync(scenario)() == []
