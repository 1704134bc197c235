"""A dashboard whose socket the server closes for a resync (code 4012: a live update may have
been lost, watchline.sockets) reconnects by itself and reloads its queue, so it shows what the
lost update carried."""

import re

from playwright.sync_api import expect

from tests import factories


def test_a_socket_closed_for_resync_reconnects_and_reloads_the_queue(page, live_url, login):
    factories.OperatorFactory(username="op-a")
    sockets = []

    def through_to_the_server(socket):
        socket.connect_to_server()
        sockets.append(socket)

    page.route_web_socket(re.compile(r".*/ws/dashboard/$"), through_to_the_server)
    with page.expect_response(is_queue_reload):  # the first resync, when the socket opens
        login(page, "op-a")
    expect(page.locator("#live-state")).to_have_text("Live")
    # An incident whose live update never reached this page (the layer failed to send it).
    missed = factories.IncidentFactory(reference="I-2411-0042")
    expect(page.locator(f"#incident-{missed.pk}")).to_have_count(0)

    sockets[0].close(code=4012, reason="resync")

    expect(page.locator(f"#incident-{missed.pk}")).to_be_visible(timeout=10_000)
    expect(page.locator("#live-state")).to_have_text("Live")
    assert len(sockets) == 2


def is_queue_reload(response):
    return "/joc/" in response.url and response.request.headers.get("hx-request") == "true"
