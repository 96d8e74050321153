"""Where secrets come from (environment, OS keyring, a prompt on a terminal) and that they never leak by repr."""

from __future__ import annotations

import keyring
import pytest
from conncheck.credentials import Credential, secret
from conncheck.errors import InputError
from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    """An in-process keyring backend: the real keyring API, with storage that cannot touch the user's keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_environment_variable_comes_first(monkeypatch, memory_keyring) -> None:
    monkeypatch.setenv("CC_TEST_PW", "from-env")
    memory_keyring.set_password("conncheck", "svc", "from-keyring")
    assert secret(purpose="t", username="svc", env_var="CC_TEST_PW", keyring_service="conncheck") == "from-env"


def test_keyring_when_the_variable_is_unset(monkeypatch, memory_keyring) -> None:
    monkeypatch.delenv("CC_TEST_PW", raising=False)
    memory_keyring.set_password("conncheck", "svc", "from-keyring")
    assert secret(purpose="t", username="svc", env_var="CC_TEST_PW", keyring_service="conncheck") == "from-keyring"


def test_no_secret_and_no_terminal_is_one_clear_error(monkeypatch, memory_keyring) -> None:
    monkeypatch.delenv("CC_TEST_PW", raising=False)
    with pytest.raises(InputError) as caught:
        secret(purpose="WinRM to ca01", username="svc", env_var="CC_TEST_PW", keyring_service="conncheck",
               interactive=False)
    assert "CC_TEST_PW" in str(caught.value) and "keyring" in str(caught.value)


def test_a_prompt_on_a_terminal(monkeypatch) -> None:
    monkeypatch.delenv("CC_TEST_PW", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    asked = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or "typed")
    assert secret(purpose="LDAP bind", username="svc", env_var="CC_TEST_PW") == "typed"
    assert asked and "svc" in asked[0]


def test_a_credential_never_shows_its_password() -> None:
    cred = Credential("CONTOSO\\svc", "hunter2")
    assert "hunter2" not in repr(cred) and "hunter2" not in str(cred)


def test_the_nt_hash_is_the_md4_of_the_utf16_password_and_stays_out_of_repr() -> None:
    cred = Credential("CONTOSO\\svc", "password")
    assert cred.nt_hash == "8846f7eaee8fb117ad06bdd830b7586c"  # the well-known NT hash of "password"
    assert cred.nt_hash not in repr(cred)
