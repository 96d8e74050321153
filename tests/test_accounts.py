"""One rule for the connector's account, whoever asks (the LDAP collector's filter, the CA rights decision)."""

from __future__ import annotations

import pytest
from conncheck.accounts import computer_account, connector_account, same_account, split_account


@pytest.mark.parametrize(("given", "split"), [
    ("CONTOSO\\svc-ndes", ("CONTOSO", "svc-ndes")),
    ("svc-ndes@contoso.com", ("contoso.com", "svc-ndes")),
    ("svc-ndes", (None, "svc-ndes")),
])
def test_account_names_split_as_windows_writes_them(given: str, split: tuple[str | None, str]) -> None:
    assert split_account(given) == split


def test_a_computer_account_is_its_netbios_name_and_a_dollar() -> None:
    assert computer_account("conn01.contoso.com") == "CONN01$"
    assert computer_account("a-very-long-connector-name.contoso.com") == "A-VERY-LONG-CON$"  # NetBIOS: 15 characters


def test_the_registry_wins_then_system_then_site_toml() -> None:
    assert connector_account("CONTOSO\\configured", "CONTOSO\\recorded", None) == "CONTOSO\\recorded"
    assert connector_account("CONTOSO\\configured", None, "CONN01") == "CONN01$"
    assert connector_account("CONTOSO\\configured", None, None) == "CONTOSO\\configured"
    assert connector_account(None, None, None) is None


def test_accounts_compare_by_user_and_by_domain_when_both_have_one() -> None:
    assert same_account("CONTOSO\\svc", "contoso\\SVC") and same_account("svc", "CONTOSO\\svc")
    assert not same_account("CONTOSO\\svc", "FABRIKAM\\svc")
