"""E-mail to people, each in their own interface language.

A notice that goes to several people (managers, staff) is worded once per language
among them: `words` is called inside `translation.override` for each, so it may use
gettext, and one message goes to each language's addresses. A person's language is
the one they chose on their profile (`person.profile.language`, kept by the accounts
app), else the portal's default. Nothing is sent unless an e-mail server is configured
(EMAIL_CONFIGURED); a server that refuses is logged, never raised to the caller.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation

logger = logging.getLogger(__name__)


def person_language(person: Any) -> str:
    """The language `person` chose, else the portal's default."""
    profile = getattr(person, "profile", None)  # absent until the person saves one
    chosen = getattr(profile, "language", "") or ""
    known = {code for code, _name in settings.LANGUAGES}
    return chosen if chosen in known else settings.LANGUAGE_CODE


def people_mail(*, people: Iterable[Any], words: Callable[[], tuple[str, str]]) -> int:
    """E-mail `people` (those with an address) the (subject, body) `words` gives in
    each one's language; how many addresses were sent to."""
    if not settings.EMAIL_CONFIGURED:
        return 0
    by_language: dict[str, set[str]] = defaultdict(set)
    for person in people:
        if person.email:
            by_language[person_language(person)].add(person.email)
    sent = 0
    for language, addresses in sorted(by_language.items()):
        with translation.override(language):
            subject, body = words()
        try:
            send_mail(
                subject=subject,
                message=body,
                from_email=None,
                recipient_list=sorted(addresses),
                fail_silently=False,
            )
        except OSError:
            logger.exception("A notice could not be e-mailed (%s)", subject)
            continue
        sent += len(addresses)
    return sent
