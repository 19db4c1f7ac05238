import pytest

from tests.accounts.sso_stack import sso_stack


@pytest.fixture(scope="module")
def corp(sandbox_server, django_db_setup, tmp_path_factory):
    """Corp's portal with single sign-on beside passwords, and Corp's provider."""
    with sso_stack(sandbox_server, tmp_path_factory.mktemp("media")) as stack:
        yield stack
