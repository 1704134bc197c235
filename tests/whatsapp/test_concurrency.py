"""Meta redelivers while a delivery is still being processed: on PostgreSQL, with real
concurrent transactions, a message id is handled once and a status stored once."""

import threading

import pytest
from django.db import connection

from reports.models import Report
from reports.whatsapp import inbound, outbound, payloads
from reports.whatsapp import standin as wa
from reports.whatsapp.models import Delivery, InboundMessage, MessageStatus
from tests import factories
from tests.whatsapp.conftest import PHONE_NUMBER_ID, REP_PHONE

pytestmark = pytest.mark.django_db(transaction=True)


def race(action, count=4):
    barrier, results, errors = threading.Barrier(count), [], []

    def run():
        try:
            barrier.wait()
            results.append(action())
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def test_redeliveries_processed_at_once_make_one_report(postgres_only, line):
    factories.RepresentativeFactory(phone=f"+{REP_PHONE}")
    raw = wa.encode(wa.envelope(wa.value(PHONE_NUMBER_ID, [wa.text_message(REP_PHONE, "Fire")])))
    deliveries = [Delivery.objects.create(body=raw) for _ in range(4)]
    ids = iter([d.pk for d in deliveries])
    lock = threading.Lock()

    def process():
        with lock:
            pk = next(ids)
        return inbound.process_delivery.call(pk)

    race(process)
    assert InboundMessage.objects.count() == 1
    assert Report.objects.count() == 1
    assert not Delivery.objects.filter(processed_at=None).exists()
    assert Delivery.objects.exclude(error="").count() == 0


def test_a_status_delivered_twice_at_once_is_stored_once(postgres_only, line):
    raw = wa.encode(
        wa.envelope(
            wa.value(PHONE_NUMBER_ID, statuses=[wa.status_update("wamid.S", "read", REP_PHONE)])
        )
    )
    delivery = Delivery.objects.create(body=raw)
    (status,) = payloads.parse(raw).statuses
    stored = race(lambda: outbound.record_status(status, delivery))
    assert sorted(stored) == [False, False, False, True]
    assert MessageStatus.objects.count() == 1
