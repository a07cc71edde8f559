"""How people and companies are recognised across tools: e-mail, domain, company name, CRM ids."""

from __future__ import annotations

import re

# Mailbox providers: an address here says nothing about the person's employer.
FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "web.de",
        "mail.com",
        "yandex.com",
        "yandex.ru",
        "zoho.com",
        "qq.com",
        "163.com",
        "rediffmail.com",
        "fastmail.com",
    }
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Legal forms at the end of a name ("Acme Corp.", "Globex GmbH", "Initech B.V.", "Tata Pvt Ltd").
_LEGAL_SUFFIX = re.compile(
    r"[\s,]+(incorporated|inc|corp|corporation|co|company|ltd|ltda|limited|llc|llp|plc|gmbh|ag|sa|sas|sl|bv|"
    r"nv|pty|pte|pvt|srl|spa|oy|ab|as|kk)\.?$",
)
_DOTTED_SUFFIX = re.compile(r"\b([a-z])\.\s?([a-z])\.?$")  # "b.v." -> "bv", "s. a." -> "sa"
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalise_email(raw: str | None) -> str | None:
    """Lower-cased, trimmed address, or None when it is not an e-mail address."""
    if raw is None:
        return None
    email = raw.strip().lower()
    if not email or not _EMAIL.match(email):
        return None
    return email


def email_domain(email: str | None) -> str | None:
    """The employer's domain of a normalised address; None for free-mail providers."""
    if not email or "@" not in email:
        return None
    domain = email.rsplit("@", 1)[1]
    return None if domain in FREE_MAIL_DOMAINS else domain


def normalise_company(name: str | None) -> str | None:
    """A company name reduced for matching: case, punctuation and legal suffixes dropped."""
    if name is None:
        return None
    text = name.strip().lower().replace("&", " and ")
    text = _DOTTED_SUFFIX.sub(r"\1\2", text)
    previous = None
    while previous != text:  # "Tata Pvt Ltd": one suffix after another
        previous, text = text, _LEGAL_SUFFIX.sub("", text)
    text = _NON_WORD.sub(" ", text).strip()
    return text or None


_SF_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def salesforce_id18(raw: str) -> str:
    """Salesforce's 18-character, case-safe id for a 15- or 18-character id.

    Raises ValueError for anything else.
    """
    value = raw.strip()
    if len(value) == 18 and value.isalnum():
        return value[:15] + value[15:].upper()
    if len(value) != 15 or not value.isalnum():
        raise ValueError(f"expected a 15- or 18-character Salesforce id, got {raw!r}")
    suffix = ""
    for chunk in (value[0:5], value[5:10], value[10:15]):
        bits = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        suffix += _SF_SUFFIX_ALPHABET[bits]
    return value + suffix
