"""Alerts for other agencies: each alert version as an OASIS CAP 1.2 document, and an Atom feed
of the current alerts linking to them.

A version is published once its alert has been sent (an alert held for a supervisor and
cancelled before approval never was). The original is msgType Alert, corrections and the
all-clear are Update, a cancellation is Cancel; the later ones reference every earlier version.
"""

from datetime import timedelta
from xml.etree import ElementTree as ET

from django.conf import settings
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from alerts.models import Alert, AlertVersion
from cwg import geo

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_CONTENT_TYPE = "application/cap+xml"
# Many CAP consumers take at most 100 points per polygon: rings are simplified to fit.
POLYGON_MAX_POINTS = 100
# A cancelled alert stays in the feed this long, so agencies polling it see the Cancel.
CANCELLED_SHOWN_FOR = timedelta(hours=24)

Kind = AlertVersion.Kind
MSG_TYPE = {
    Kind.ORIGINAL: "Alert",
    Kind.UPDATE: "Update",
    Kind.ALL_CLEAR: "Update",
    Kind.CANCELLATION: "Cancel",
}
# Our severity -> CAP (urgency, severity, certainty). The JOC sends verified intelligence only.
GRADES = {
    Alert.Severity.EMERGENCY: ("Immediate", "Extreme", "Observed"),
    Alert.Severity.WARNING: ("Expected", "Severe", "Observed"),
    Alert.Severity.ADVISORY: ("Future", "Moderate", "Observed"),
}
# Once over (all-clear) or withdrawn (cancellation), the threat is in the past.
OVER = ("Past", "Minor", "Observed")
# Incident categories -> CAP categories; alerts without an incident are general public safety.
CATEGORIES = {
    "protest": "Security",
    "flood": "Met",
    "severe-weather": "Met",
    "fire": "Fire",
    "crime-in-progress": "Security",
    "suspicious-activity": "Security",
    "infrastructure-failure": "Infra",
    "medical-emergency": "Health",
    "other": "Other",
}
DEFAULT_CATEGORY = "Safety"
RESPONSE_TYPE = {Kind.ALL_CLEAR: "AllClear", Kind.CANCELLATION: "None"}


def cap_time(moment):
    """CAP's date-time: local time with its offset, whole seconds, no "Z" ("-00:00" for UTC)."""
    text = timezone.localtime(moment).replace(microsecond=0).isoformat()
    return text[:-6] + "-00:00" if text.endswith("+00:00") else text


def identifier(alert_pk, number):
    return f"watchline-alert-{alert_pk}-v{number}"


def published(alert):
    return alert.sent_at is not None


def sent_time(alert, version):
    """The original goes out when the alert is sent (after approval, if it was held); every
    later version when it is made."""
    return alert.sent_at if version.number == 1 else version.created_at


def alerts_with_versions():
    """Alerts with what their CAP documents need, in a fixed number of queries."""
    return Alert.objects.select_related("incident__category").prefetch_related(
        "wards", Prefetch("versions", queryset=AlertVersion.objects.order_by("number"))
    )


def document(alert, version):
    """The CAP 1.2 XML (bytes) of one version of a published alert (see alerts_with_versions)."""
    versions = [v for v in alert.versions.all() if v.number <= version.number]
    sender = settings.CAP_SENDER
    root = ET.Element("alert", xmlns=CAP_NS)
    _add(root, "identifier", identifier(alert.pk, version.number))
    _add(root, "sender", sender)
    _add(root, "sent", cap_time(sent_time(alert, version)))
    _add(root, "status", "Exercise" if alert.is_exercise else "Actual")
    _add(root, "msgType", MSG_TYPE[version.kind])
    _add(root, "scope", "Restricted")
    _add(root, "restriction", "Community Watch Groups and partner agencies of the JOC")
    earlier = [
        f"{sender},{identifier(alert.pk, v.number)},{cap_time(sent_time(alert, v))}"
        for v in versions
        if v.number < version.number
    ]
    if earlier:
        _add(root, "references", " ".join(earlier))
    if alert.incident_id:
        _add(root, "incidents", alert.incident.reference)
    _add_info(root, alert, version)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _add_info(root, alert, version):
    info = ET.SubElement(root, "info")
    _add(info, "language", "en-ZA")
    category = alert.incident.category if alert.incident_id else None
    _add(info, "category", CATEGORIES.get(category.slug, "Other") if category else DEFAULT_CATEGORY)
    _add(info, "event", category.name if category else "Community safety alert")
    if version.kind in RESPONSE_TYPE:
        _add(info, "responseType", RESPONSE_TYPE[version.kind])
    over = version.kind in RESPONSE_TYPE
    urgency, severity, certainty = OVER if over else GRADES[version.severity]
    _add(info, "urgency", urgency)
    _add(info, "severity", severity)
    _add(info, "certainty", certainty)
    if alert.expires_at:
        _add(info, "expires", cap_time(alert.expires_at))
    _add(info, "senderName", settings.CAP_SENDER_NAME)
    headline = version.title
    if version.kind == Kind.CANCELLATION:
        headline = f"Cancelled: {headline}"
    elif version.kind == Kind.ALL_CLEAR:
        headline = f"All clear: {headline}"
    _add(info, "headline", headline[:160])
    _add(info, "description", version.message)
    _add_areas(info, alert)


def _add_areas(info, alert):
    """One area per target ward (its name and polygons), or the whole city for all wards;
    without imported boundaries, the names alone."""
    index = geo.ward_index()
    if alert.all_wards:
        area = ET.SubElement(info, "area")
        _add(area, "areaDesc", "All wards")
        if index:
            _add_polygons(area, index.derived("cap-city", lambda: polygons(index.city())))
        return
    for ward in alert.wards.all():
        area = ET.SubElement(info, "area")
        _add(area, "areaDesc", str(ward))
        if index and ward.boundary:
            geometry = index.geometry_of(ward.pk)
            _add_polygons(area, index.derived(f"cap-{ward.pk}", lambda g=geometry: polygons(g)))


def _add_polygons(area, texts):
    for text in texts:
        _add(area, "polygon", text)


def polygons(geometry):
    """CAP polygons of a (Multi)Polygon: each part's outer ring as "lat,lon" pairs, first =
    last, at most POLYGON_MAX_POINTS points (simplified step by step, as little as that
    allows)."""
    texts = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        ring, tolerance = polygon.exterior, 0.0001
        while len(ring.coords) > POLYGON_MAX_POINTS:
            ring = ring.simplify(tolerance)
            tolerance *= 1.5
        texts.append(" ".join(f"{lat:.5f},{lon:.5f}" for lon, lat in ring.coords))
    return texts


def _add(parent, tag, text):
    element = ET.SubElement(parent, tag)
    element.text = text
    return element


# --- The Atom feed of current alerts ---------------------------------------------------------


def current_alerts(now=None):
    """Sent alerts not yet expired, and alerts cancelled lately (so the Cancel is seen)."""
    now = now or timezone.now()
    live = Q(status=Alert.Status.SENT) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    withdrawn = Q(status=Alert.Status.CANCELLED, cancelled_at__gte=now - CANCELLED_SHOWN_FOR)
    return alerts_with_versions().filter(live | withdrawn, sent_at__isnull=False)


def feed(alerts, *, feed_url, cap_url):
    """The Atom feed (bytes): one entry per alert, its current version, with a link to that
    version's CAP document (`cap_url(alert, version)` gives the absolute URL)."""
    root = ET.Element("feed", xmlns=ATOM_NS)
    _add(root, "id", feed_url)
    _add(root, "title", f"{settings.CAP_SENDER_NAME}: current alerts")
    ET.SubElement(root, "link", rel="self", href=feed_url)
    author = ET.SubElement(root, "author")
    _add(author, "name", settings.CAP_SENDER_NAME)
    entries, newest = [], None
    for alert in alerts:
        version = list(alert.versions.all())[-1]
        when = sent_time(alert, version)
        newest = max(newest, when) if newest else when
        entries.append((alert, version, when))
    _add(root, "updated", (newest or timezone.now()).isoformat(timespec="seconds"))
    for alert, version, when in entries:
        entry = ET.SubElement(root, "entry")
        _add(entry, "id", f"urn:watchline:{settings.CAP_SENDER}:alert:{alert.pk}")
        _add(entry, "title", version.title)
        _add(entry, "updated", when.isoformat(timespec="seconds"))
        _add(entry, "summary", version.message)
        ET.SubElement(entry, "category", term=MSG_TYPE[version.kind])
        ET.SubElement(
            entry, "link", rel="alternate", type=CAP_CONTENT_TYPE, href=cap_url(alert, version)
        )
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def cap_path(alert_pk, number):
    return reverse("alerts:cap", args=[alert_pk, number])
