from joc import ratelimit


def test_allows_up_to_the_limit_then_refuses():
    assert [ratelimit.allow("t", "k", "3/m") for _ in range(4)] == [True, True, True, False]


def test_limits_are_kept_per_key():
    assert ratelimit.allow("t", "a", "1/m")
    assert not ratelimit.allow("t", "a", "1/m")
    assert ratelimit.allow("t", "b", "1/m")
