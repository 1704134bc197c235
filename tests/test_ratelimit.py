from watchline import ratelimit


def test_allows_up_to_the_limit_then_refuses():
    assert [ratelimit.allow("t", "k", "3/m") for _ in range(4)] == [True, True, True, False]


def test_limits_are_kept_per_key():
    assert ratelimit.allow("t", "a", "1/m")
    assert not ratelimit.allow("t", "a", "1/m")
    assert ratelimit.allow("t", "b", "1/m")


def test_the_client_address_is_the_connection_without_trusted_proxies(rf, settings):
    settings.TRUSTED_PROXIES = 0
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="10.0.0.5")
    assert ratelimit.client_address(request) == "10.0.0.5"


def test_behind_one_load_balancer_the_address_it_saw_counts(rf, settings):
    settings.TRUSTED_PROXIES = 1
    # The client forged the first entry; the load balancer appended the real address.
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 196.21.0.7", REMOTE_ADDR="10.0.0.5")
    assert ratelimit.client_address(request) == "196.21.0.7"


def test_a_missing_forwarded_header_falls_back_to_the_connection(rf, settings):
    settings.TRUSTED_PROXIES = 1
    assert ratelimit.client_address(rf.get("/", REMOTE_ADDR="10.0.0.5")) == "10.0.0.5"
