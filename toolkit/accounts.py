"""Account names as Windows writes them: ``DOMAIN\\user``, ``user``, ``HOST$``; one way to compare them."""

from __future__ import annotations


def split_account(account: str) -> tuple[str | None, str]:
    """'CONTOSO\\svc-ndes' → ('CONTOSO', 'svc-ndes'); 'svc-ndes' → (None, 'svc-ndes')."""
    domain, _, name = account.strip().rpartition("\\")
    return (domain or None), name


def same_account(a: str, b: str) -> bool:
    """'CONTOSO\\svc' vs 'contoso\\SVC' vs 'svc': the user part always, the domain part when both have one."""
    domain_a, name_a = split_account(a)
    domain_b, name_b = split_account(b)
    if name_a.casefold() != name_b.casefold():
        return False
    return domain_a is None or domain_b is None or domain_a.casefold() == domain_b.casefold()
