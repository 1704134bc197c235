import pytest
from django.contrib.auth.models import Group

from cwg.models import Ward
from reports.models import Category


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_start_with_the_reference_data():
    assert Ward.objects.count() == 116
    assert Category.objects.count() == 9
    assert Group.objects.filter(name="JOC operator").exists()


def test_and_so_does_the_next_one(transactional_db):
    assert Ward.objects.count() == 116
    assert Category.objects.count() == 9
