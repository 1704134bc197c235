"""submit_report and add_follow_up: one transaction, idempotent on the client token, only for
representatives of approved CWGs, validated, photos checked by content; and what the JOC tells
the sender (set_report_status, post_joc_message)."""

import io
import uuid
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from PIL import Image

from cwg.models import CommunityWatchGroup
from reports import feedback, services
from reports import photos as photo_checks
from reports.models import Report, ReportPhoto, ReportUpdate
from tests import factories
from tests.reports import images
from watchline import live

pytestmark = pytest.mark.django_db


def report_data(**changes):
    data = {
        "category": factories.CategoryFactory(slug="flood"),
        "description": "Water over the road at the bridge, rising fast.",
        "location_text": "Klip Road bridge",
        "ward": factories.WardFactory(number=1),
        "latitude": -33.95,
        "longitude": 18.47,
        "observed_at": timezone.now() - timedelta(minutes=5),
        "source": Report.Source.EYEWITNESS,
        "urgency": Report.Urgency.URGENT,
        "people_count": 12,
    }
    return data | changes


def submit(rep, photos=(), token=None, **changes):
    return services.submit_report(
        user=rep.user,
        cwg=rep.cwg,
        data=report_data(**changes),
        photos=list(photos),
        client_token=token or uuid.uuid4(),
    )


def test_a_report_is_stored_with_a_reference_and_handed_to_triage(representative):
    report, created = submit(representative)
    assert created
    assert report.reference.startswith("R-") and report.status == Report.Status.RECEIVED
    assert report.incident is not None and report.incident.reports.get() == report
    assert report.submitted_by == representative.user and report.channel == "web"


def test_a_resubmission_with_the_same_token_returns_the_same_report(representative):
    token = uuid.uuid4()
    first, created = submit(representative, token=token)
    again, created_again = submit(representative, token=token, description="Double tap")
    assert created and not created_again
    assert again == first and Report.objects.count() == 1


def test_a_token_of_another_cwgs_report_is_refused(representative):
    token = uuid.uuid4()
    submit(representative, token=token)
    with pytest.raises(PermissionDenied):
        submit(factories.RepresentativeFactory(), token=token)


@pytest.mark.parametrize(
    "status", [CommunityWatchGroup.Status.SUSPENDED, CommunityWatchGroup.Status.PENDING]
)
def test_only_representatives_of_approved_cwgs_may_report(status):
    rep = factories.RepresentativeFactory(cwg__status=status)
    with pytest.raises(PermissionDenied, match="cannot report"):
        submit(rep)
    assert not Report.objects.exists()


def test_a_representative_reports_only_for_their_own_cwg(representative):
    other = factories.CWGFactory()
    with pytest.raises(PermissionDenied):
        services.submit_report(
            user=representative.user,
            cwg=other,
            data=report_data(),
            photos=[],
            client_token=uuid.uuid4(),
        )
    ended = factories.RepresentativeFactory(active=False)
    with pytest.raises(PermissionDenied):
        submit(ended)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"description": ""}, "description"),
        ({"observed_at": timezone.now() + timedelta(hours=2)}, "observed_at"),
        ({"latitude": 95.0}, "latitude"),
        ({"longitude": None}, "latitude"),
        ({"source": "rumour"}, "source"),
        ({"people_count": -3}, "people_count"),
    ],
)
def test_invalid_data_is_refused_by_field(representative, changes, field):
    with pytest.raises(ValidationError) as refused:
        submit(representative, **changes)
    assert field in refused.value.message_dict
    assert not Report.objects.exists()


def test_photos_are_checked_by_content_and_the_whole_report_refused(representative):
    with pytest.raises(ValidationError) as refused:
        submit(representative, photos=[images.jpeg(), images.fake("evil.jpg")])
    assert refused.value.message_dict["photos"] == [
        "evil.jpg is not a photo we can read (JPEG, PNG or WebP)."
    ]
    assert not Report.objects.exists() and not ReportPhoto.objects.exists()


def test_at_most_five_photos(representative):
    with pytest.raises(ValidationError, match="At most 5 photos"):
        submit(representative, photos=[images.png(f"p{n}.png") for n in range(6)])


def test_a_photo_over_10_mb_is_refused(representative):
    big = images.upload("big.jpg", images.jpeg_bytes() + b"\0" * (10 * 1024 * 1024))
    with pytest.raises(ValidationError, match="larger than 10 MB"):
        submit(representative, photos=[big])


def test_exif_location_is_kept_for_the_joc_and_stripped_from_the_public_copy(representative):
    report, _ = submit(representative, photos=[images.jpeg(), images.png()])
    jpeg, png = report.photos.all()
    assert (round(jpeg.exif_latitude, 4), round(jpeg.exif_longitude, 4)) == (-33.925, 18.42)
    assert (jpeg.content_type, png.content_type) == ("image/jpeg", "image/png")
    with jpeg.original.open("rb") as original:
        assert Image.open(original).getexif().get_ifd(images.GPS_IFD)
    with jpeg.public.open("rb") as public:
        assert dict(Image.open(public).getexif()) == {}
    assert png.exif_latitude is None


def test_status_changes_are_recorded_on_the_reports_timeline(representative, operator):
    report, _ = submit(representative)
    feedback.set_report_status(report, "verifying", actor=operator, note="Calling SAPS")
    feedback.set_report_status(report, "verifying", actor=operator)
    report.refresh_from_db()
    assert report.status == Report.Status.VERIFYING
    update = report.updates.get()
    assert (update.kind, update.from_status, update.to_status, update.text) == (
        "status",
        "received",
        "verifying",
        "Calling SAPS",
    )


def test_a_joc_message_joins_the_timeline(representative, operator):
    report, _ = submit(representative)
    feedback.post_joc_message(report, "Fire & Rescue are on their way.", actor=operator)
    assert [m.text for m in Report.objects.for_cwg_pages().get().joc_messages()] == [
        "Fire & Rescue are on their way."
    ]


def test_a_follow_up_joins_the_same_report_once(representative):
    report, _ = submit(representative)
    second = factories.RepresentativeFactory(cwg=representative.cwg, seat=2)
    token = uuid.uuid4()
    for _ in range(2):
        update, _ = services.add_follow_up(
            report,
            user=second.user,
            text="Water still rising",
            photos=[images.png()],
            client_token=token,
        )
    assert Report.objects.count() == 1
    assert report.updates.get() == update and update.kind == ReportUpdate.Kind.FOLLOW_UP
    assert update.photos.get().report == report


def test_a_follow_up_reaches_the_incident_timeline_and_the_operators(
    representative, django_capture_on_commit_callbacks, settings
):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    report, _ = submit(representative)
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(live.OPERATORS, channel)
    with django_capture_on_commit_callbacks(execute=True):
        services.add_follow_up(
            report,
            user=representative.user,
            text="Water <b>still</b> rising",
            photos=[],
            client_token=uuid.uuid4(),
        )
    event = report.incident.events.get(kind="report_follow_up")
    assert event.actor == representative.user
    assert report.reference in event.note and "Water <b>still</b> rising" in event.note
    html = async_to_sync(layer.receive)(channel)["html"]
    assert f"Follow-up on {report.reference}" in html


def test_another_cwg_cannot_follow_up(representative):
    report, _ = submit(representative)
    with pytest.raises(PermissionDenied):
        services.add_follow_up(
            report,
            user=factories.RepresentativeFactory().user,
            text="Mine now",
            photos=[],
            client_token=uuid.uuid4(),
        )


def test_an_image_with_too_many_pixels_is_refused(representative, monkeypatch):
    monkeypatch.setattr(photo_checks, "MAX_LOSSLESS_PIXELS", 100)
    with pytest.raises(ValidationError, match="photo.png has too many pixels"):
        submit(representative, photos=[images.png()])


def test_a_gif_is_a_real_image_but_not_one_we_take(representative):
    gif = io.BytesIO()
    Image.new("P", (8, 8)).save(gif, "GIF")
    with pytest.raises(ValidationError, match="anim.jpg is not a JPEG, PNG or WebP photo"):
        submit(representative, photos=[images.upload("anim.jpg", gif.getvalue())])
