"""Account names as Windows writes them: ``DOMAIN\\user``, ``user``, ``HOST$``; one way to compare them."""

from __future__ import annotations


def split_account(account: str) -> tuple[str | None, str]:
    """'CONTOSO\\svc-ndes' → ('CONTOSO', 'svc-ndes'); 'svc-ndes@contoso.com' → ('contoso.com', 'svc-ndes');
    'svc-ndes' → (None, 'svc-ndes')."""
    account = account.strip()
    if "\\" not in account and "@" in account:
        name, _, domain = account.partition("@")
        return domain or None, name
    domain, _, name = account.rpartition("\\")
    return (domain or None), name


def computer_account(computer_name: str) -> str:
    """The sAMAccountName of a computer: its NetBIOS name and a ``$`` (``conn01.contoso.com`` → ``CONN01$``)."""
    return computer_name.split(".")[0].upper()[:15] + "$"


def connector_account(configured: str | None, recorded_user: str | None, system_on: str | None) -> str | None:
    """The account the connector acts as toward the CA and the directory, the one rule for every reader: the service
    account its registry records, else its computer account when it runs as SYSTEM on ``system_on``, else the one
    site.toml names. The LDAP collector knows only site.toml and the connector host's name (it assumes SYSTEM when
    site.toml names no account); the CA check also reads the connector host's registry."""
    if recorded_user:
        return recorded_user
    if system_on:
        return computer_account(system_on)
    return configured


def same_account(a: str, b: str) -> bool:
    """'CONTOSO\\svc' vs 'contoso\\SVC' vs 'svc': the user part always, the domain part when both have one."""
    domain_a, name_a = split_account(a)
    domain_b, name_b = split_account(b)
    if name_a.casefold() != name_b.casefold():
        return False
    return domain_a is None or domain_b is None or domain_a.casefold() == domain_b.casefold()
