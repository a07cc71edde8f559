"""People are matched to their company by e-mail domain first, then by a fuzzy company name."""

from __future__ import annotations

from revbridge.domain.accounts import AccountIndex
from revbridge.domain.identity import email_domain, normalise_company, normalise_email, salesforce_id18


def _index() -> AccountIndex:
    index = AccountIndex()
    index.add(1, "ACME Corporation", "acme.com")
    index.add(2, "Globex GmbH", None)
    return index


def test_a_work_address_matches_its_company_by_domain() -> None:
    match = _index().match("ann@acme.com", "Something Else Entirely")
    assert match is not None
    assert (match.account_id, match.why) == (1, "domain acme.com")


def test_a_free_mail_address_falls_back_to_the_company_name() -> None:
    match = _index().match("ann@gmail.com", "Acme Corp.")
    assert match is not None
    assert match.account_id == 1


def test_a_slightly_different_spelling_still_matches() -> None:
    match = _index().match(None, "Globexx")
    assert match is not None
    assert match.account_id == 2
    assert "~" in match.why


def test_an_unrelated_company_matches_nothing() -> None:
    assert _index().match("bob@gmail.com", "Initech") is None


def test_identities_are_normalised() -> None:
    assert normalise_email("  Grace.Hopper@Navy-Labs.COM ") == "grace.hopper@navy-labs.com"
    assert normalise_email("not an address") is None
    assert email_domain("a@gmail.com") is None
    assert email_domain("a@acme.com") == "acme.com"
    assert normalise_company("Acme, Inc.") == normalise_company("ACME Incorporated") == "acme"
    assert salesforce_id18("00Q5e00000ABCDe") == "00Q5e00000ABCDeEAP"


def test_legal_forms_at_the_end_of_a_name_are_ignored_but_words_inside_are_kept() -> None:
    assert normalise_company("Initech B.V.") == normalise_company("Initech S. A.") == "initech"
    assert normalise_company("Tata Pvt Ltd") == "tata"
    assert normalise_company("Co-operative Bank") == "co operative bank"
    assert normalise_company("Company") == "company"
