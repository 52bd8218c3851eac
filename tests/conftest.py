import pytest

from tests.factories import make_world


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def login(client):
    """login(user) logs the test client in as `user` and returns it."""

    def _login(user):
        client.force_login(user, backend="dangjian.core.auth.UsernameOrPhoneBackend")
        return client

    return _login


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # PBKDF2 at full strength costs ~0.3 s a user; the policy is tested, not the hash cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
