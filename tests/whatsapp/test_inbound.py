"""Inbound messages: reports opened at once, follow-ups within the window, the guided exchange,
redeliveries, strangers, media."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from cwg.models import CommunityWatchGroup
from joc.models import IncidentEvent
from reports.models import Report, ReportPhoto, ReportUpdate
from reports.whatsapp import inbound
from reports.whatsapp import standin as wa
from reports.whatsapp.models import Chat, Delivery, InboundMessage, OutboundMessage
from tests import factories
from tests.reports.images import jpeg_bytes
from tests.whatsapp.conftest import PHONE_NUMBER_ID, REP_PHONE, body_of, reply_ids, sent_to

pytestmark = pytest.mark.django_db


def test_a_first_message_opens_a_report_at_once_and_the_reference_goes_back(deliver, line, rep):
    message = wa.text_message(REP_PHONE, "Water rising in Voortrekker Road")
    deliver(message)
    report = Report.objects.get()
    assert report.channel == Report.Channel.WHATSAPP
    assert report.submitted_by == rep.user and report.cwg == rep.cwg
    assert report.description == "Water rising in Voortrekker Road"
    assert report.client_token == inbound.token(message["id"])
    assert report.whatsapp_messages.get().wamid == message["id"]
    assert report.incident is not None  # triaged: the JOC sees it
    (reply,) = sent_to(line)
    assert report.reference in body_of(reply)
    assert "What kind of incident" in body_of(reply)
    assert f"cat:{report.pk}:flood" in reply_ids(reply)


def test_one_post_with_many_entries_changes_and_messages_is_processed_whole(deliver, line):
    reps = [factories.RepresentativeFactory(phone=f"+2782000300{i}") for i in range(3)]
    payload = wa.envelope(
        wa.value(PHONE_NUMBER_ID, [wa.text_message("27820003000", "Fire at the depot")]),
        wa.value(
            PHONE_NUMBER_ID,
            [
                wa.text_message("27820003001", "Protest forming"),
                wa.text_message("27820003002", "Road blocked"),
            ],
        ),
    )
    payload["entry"].append(
        {"id": "1", "changes": [{"field": "messages", "value": wa.value(PHONE_NUMBER_ID)}]}
    )
    deliver(raw=wa.encode(payload))
    assert sorted(Report.objects.values_list("description", flat=True)) == [
        "Fire at the depot",
        "Protest forming",
        "Road blocked",
    ]
    assert {r.submitted_by for r in Report.objects.all()} == {r.user for r in reps}


def test_the_same_post_twice_makes_one_report(deliver, line, rep):
    raw = wa.encode(wa.envelope(wa.value(PHONE_NUMBER_ID, [wa.text_message(REP_PHONE, "Fire")])))
    deliver(raw=raw)
    deliver(raw=raw)
    assert Delivery.objects.count() == 2
    assert Report.objects.count() == 1
    assert InboundMessage.objects.count() == 1
    assert len(sent_to(line)) == 1


def test_the_same_message_id_twice_in_one_post_makes_one_report(deliver, line, rep):
    message = wa.text_message(REP_PHONE, "Fire")
    deliver(wa.value(PHONE_NUMBER_ID, [message, dict(message)]))
    assert Report.objects.count() == 1
    assert ReportUpdate.objects.filter(kind="follow_up").count() == 0


def test_messages_within_the_window_join_the_report(deliver, line, rep, standin):
    now = time.time()
    deliver(wa.text_message(REP_PHONE, "Shack fire", timestamp=now))
    report = Report.objects.get()
    deliver(wa.text_message(REP_PHONE, "Spreading to the next row", timestamp=now + 60))
    deliver(
        wa.location_message(
            REP_PHONE, -33.9249, 18.4241, "City Hall", "Darling Street", timestamp=now + 120
        )
    )
    standin.add_media("photo-1", jpeg_bytes(), "image/jpeg")
    deliver(wa.image_message(REP_PHONE, "photo-1", caption="From the corner", timestamp=now + 180))
    assert Report.objects.count() == 1
    report.refresh_from_db()
    assert report.latitude == pytest.approx(-33.9249) and report.longitude == pytest.approx(18.4241)
    assert report.location_text == "City Hall, Darling Street"
    texts = list(report.updates.filter(kind="follow_up").values_list("text", flat=True))
    assert texts[0] == "Spreading to the next row"
    assert "Location shared on WhatsApp: City Hall, Darling Street" in texts[1]
    assert texts[2] == "From the corner"
    photo = ReportPhoto.objects.get(report=report)
    assert photo.content_type == "image/jpeg" and photo.exif_latitude is not None
    assert photo.public.read()[:2] == b"\xff\xd8"
    # The incident's timeline heard of each one.
    notes = IncidentEvent.objects.filter(incident=report.incident, kind="report_follow_up")
    assert notes.count() == 3


def test_a_location_sets_the_ward_nearest_its_coordinates(deliver, line, rep):
    far = factories.WardFactory(number=77)
    far.latitude, far.longitude = -34.1, 18.9
    far.save()
    now = time.time()
    deliver(wa.text_message(REP_PHONE, "Flooding", timestamp=now))
    deliver(wa.location_message(REP_PHONE, -34.1001, 18.9002, timestamp=now + 5))
    assert Report.objects.get().ward == far


def test_after_the_window_a_message_opens_a_new_report(deliver, line, rep, settings):
    settings.WHATSAPP_REPORT_WINDOW_MINUTES = 10
    now = time.time()
    deliver(wa.text_message(REP_PHONE, "First", timestamp=now - 11 * 60))
    deliver(wa.text_message(REP_PHONE, "Second", timestamp=now))
    assert Report.objects.count() == 2


def test_the_window_is_configurable(deliver, line, rep, settings):
    settings.WHATSAPP_REPORT_WINDOW_MINUTES = 30
    now = time.time()
    deliver(wa.text_message(REP_PHONE, "First", timestamp=now - 20 * 60))
    deliver(wa.text_message(REP_PHONE, "Second", timestamp=now))
    assert Report.objects.count() == 1


def test_a_location_first_opens_a_report_with_its_coordinates(deliver, line, rep):
    deliver(wa.location_message(REP_PHONE, -33.93, 18.55, "Taxi rank", "Bellville"))
    report = Report.objects.get()
    assert (report.latitude, report.longitude) == (-33.93, 18.55)
    assert report.location_text == "Taxi rank, Bellville"
    message = InboundMessage.objects.get()
    assert (message.location_name, message.location_address) == ("Taxi rank", "Bellville")


def test_the_guided_exchange_asks_category_urgency_and_source(deliver, line, rep):
    now = time.time()
    deliver(wa.text_message(REP_PHONE, "Something burning", timestamp=now))
    report = Report.objects.get()
    assert report.category.slug == "other"
    deliver(wa.list_reply(REP_PHONE, f"cat:{report.pk}:fire", "Fire", timestamp=now + 10))
    urgency = sent_to(line)[-1]
    assert "How urgent" in body_of(urgency)
    assert reply_ids(urgency) == [
        f"urg:{report.pk}:routine",
        f"urg:{report.pk}:urgent",
        f"urg:{report.pk}:life_threatening",
    ]
    assert urgency["interactive"]["type"] == "button"
    deliver(wa.button_reply(REP_PHONE, f"urg:{report.pk}:urgent", "Urgent", timestamp=now + 20))
    source = sent_to(line)[-1]
    assert "How do you know" in body_of(source) and source["interactive"]["type"] == "list"
    deliver(wa.list_reply(REP_PHONE, f"src:{report.pk}:eyewitness", "Saw it", timestamp=now + 30))
    assert "Thank you" in body_of(sent_to(line)[-1])
    report.refresh_from_db()
    assert (report.category.slug, report.urgency, report.source) == ("fire", "urgent", "eyewitness")
    notes = list(report.updates.values_list("text", flat=True))
    assert notes == [
        "Category: Fire (answered on WhatsApp).",
        "Urgency: Urgent (answered on WhatsApp).",
        "How they know: Saw it myself (answered on WhatsApp).",
    ]
    timeline = IncidentEvent.objects.filter(incident=report.incident, kind="report_follow_up")
    assert timeline.count() == 3
    answers = InboundMessage.objects.filter(outcome="answer").order_by("sent_at")
    assert [a.reply_id for a in answers] == [
        f"cat:{report.pk}:fire",
        f"urg:{report.pk}:urgent",
        f"src:{report.pk}:eyewitness",
    ]
    assert [a.reply_title for a in answers] == ["Fire", "Urgent", "Saw it"]
    assert Report.objects.count() == 1


def test_an_answer_for_another_cwgs_report_changes_nothing(deliver, line, rep):
    other = factories.ReportFactory()
    deliver(wa.list_reply(REP_PHONE, f"cat:{other.pk}:fire", "Fire"))
    other.refresh_from_db()
    assert other.category.slug == "fire" and not other.updates.exists()
    assert InboundMessage.objects.get().outcome == "ignored"


def test_a_voice_note_opens_a_report_and_is_kept_for_the_joc(deliver, line, rep, standin):
    standin.add_media("voice-1", b"OggS" + b"\x00" * 200, "audio/ogg")
    deliver(wa.voice_message(REP_PHONE, "voice-1"))
    report = Report.objects.get()
    assert report.description == "Voice note sent on WhatsApp."
    message = InboundMessage.objects.get()
    assert message.media_status == "stored" and message.media_file
    assert "Voice note sent on WhatsApp" in report.updates.get().text


def test_a_media_fetch_gives_up_after_its_retries(deliver, line, rep, standin):
    standin.fail_next(130429, http_status=429, times=inbound.MEDIA_ATTEMPTS, on="media")
    deliver(wa.image_message(REP_PHONE, "never"))
    message = InboundMessage.objects.get()
    assert message.media_attempts == inbound.MEDIA_ATTEMPTS and message.media_status == "failed"
    assert "could not be fetched" in Report.objects.get().updates.get().text


def test_a_photo_that_cannot_be_fetched_says_so_on_the_report(deliver, line, rep):
    deliver(wa.image_message(REP_PHONE, "missing-media", caption="Look"))
    report = Report.objects.get()
    message = InboundMessage.objects.get()
    assert message.media_status == "failed"
    assert message.media_attempts == 1  # a 404 is not retried
    assert "could not be fetched" in report.updates.get().text
    assert not ReportPhoto.objects.exists()


def test_a_media_fetch_is_retried_on_server_errors(deliver, line, rep, standin):
    standin.fail_next(131016, http_status=503, times=2, on="media")
    standin.add_media("photo-2", jpeg_bytes(gps=False), "image/jpeg")
    deliver(wa.image_message(REP_PHONE, "photo-2"))
    message = InboundMessage.objects.get()
    # The immediate task backend cannot defer: the retries run at once.
    assert message.media_attempts == 3
    assert message.media_status == "stored"
    assert ReportPhoto.objects.count() == 1


def test_a_photo_is_checked_like_a_web_upload(deliver, line, rep, standin):
    standin.add_media("fake", b"<html>not a photo</html>", "image/jpeg")
    deliver(wa.image_message(REP_PHONE, "fake"))
    assert InboundMessage.objects.get().media_status == "refused"
    assert "was refused" in Report.objects.get().updates.get().text
    assert not ReportPhoto.objects.exists()


@pytest.mark.parametrize(
    "kind,body",
    [
        ("reaction", {"message_id": "wamid.X", "emoji": "👍"}),
        ("sticker", {"id": "st-1", "mime_type": "image/webp"}),
        ("unsupported", {"type": "edit"}),
        ("contacts", [{"name": {"formatted_name": "A"}}]),
        ("document", {"id": "doc-1", "mime_type": "application/pdf"}),
    ],
)
def test_other_message_types_make_no_report(deliver, line, rep, kind, body):
    deliver(wa.other_message(REP_PHONE, kind, body))
    assert not Report.objects.exists()
    message = InboundMessage.objects.get()
    assert (message.kind, message.outcome) == (kind, "ignored")
    assert "text, locations, photos and voice notes" in body_of(sent_to(line)[0])


def test_an_unknown_number_gets_one_polite_reply_a_day_and_no_report(deliver, line):
    deliver(wa.text_message("27829999999", "Hello?"))
    deliver(wa.text_message("27829999999", "Anyone?"))
    assert not Report.objects.exists()
    (reply,) = sent_to(line, "27829999999")
    assert "ask your CWG's coordinator" in body_of(reply)
    assert list(InboundMessage.objects.values_list("outcome", flat=True)) == ["stranger"] * 2


def test_an_inactive_representative_is_a_stranger(deliver, line, rep):
    rep.active = False
    rep.save()
    deliver(wa.text_message(REP_PHONE, "Fire"))
    assert not Report.objects.exists()
    assert "not registered" in body_of(sent_to(line)[0])


def test_a_sender_without_a_phone_number_is_answered_by_user_id(deliver, line):
    message = wa.text_message("", "Hello", user_id="US.1234")
    deliver(message)
    assert not Report.objects.exists()
    (reply,) = sent_to(line, "US.1234")
    assert "to" not in reply and reply["recipient"] == "US.1234"
    assert InboundMessage.objects.get().user_id == "US.1234"


def test_a_suspended_cwgs_representative_is_told_so(deliver, line, rep):
    CommunityWatchGroup.objects.filter(pk=rep.cwg_id).update(status="suspended")
    deliver(wa.text_message(REP_PHONE, "Fire"))
    deliver(wa.text_message(REP_PHONE, "Fire again"))
    assert not Report.objects.exists()
    (reply,) = sent_to(line)
    assert f"{rep.cwg.name} is suspended" in body_of(reply)


def test_a_flood_of_messages_is_stopped_politely(deliver, line, rep, settings):
    settings.WHATSAPP_RATE_LIMIT = "3/m"
    now = time.time()
    for i in range(5):
        deliver(wa.text_message(REP_PHONE, f"Message {i}", timestamp=now + i))
    outcomes = list(InboundMessage.objects.values_list("outcome", flat=True))
    assert outcomes == ["report", "follow_up", "follow_up", "rate_limited", "rate_limited"]
    slow = [m for m in sent_to(line) if "many messages" in body_of(m)]
    assert len(slow) == 1


def test_a_group_message_or_one_without_sender_is_ignored(deliver, line, rep):
    group = wa.text_message(REP_PHONE, "In a group")
    group["group_id"] = "555"
    nobody = wa.text_message("", "From nobody")
    deliver(group, nobody)
    assert not Report.objects.exists()
    assert set(InboundMessage.objects.values_list("outcome", flat=True)) == {"ignored"}
    assert line.sent == []


def test_an_inbound_message_opens_the_24_hour_window(deliver, line, rep):
    sent = timezone.now() - timedelta(minutes=5)
    deliver(wa.text_message(REP_PHONE, "Hello", timestamp=sent.timestamp()))
    chat = Chat.objects.get(representative=rep)
    assert abs(chat.last_inbound_at - sent) < timedelta(seconds=1)


def test_replies_are_recorded_with_their_status(deliver, line, rep):
    deliver(wa.text_message(REP_PHONE, "Fire"))
    out = OutboundMessage.objects.get(purpose="question")
    assert out.status == "sent" and out.wamid == sent_to(line)[0]["wamid"]
