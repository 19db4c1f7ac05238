"""Log lines that repeat without news are said once (or not at all)."""

import logging

import requests

from a1.types import App


def test_the_sandbox_answers_the_reachability_check_without_a_404(sandbox):
    response = requests.head(f"{sandbox.url}/", timeout=5, allow_redirects=False)
    assert response.status_code == 200


def test_an_unsupported_form_type_is_warned_about_once(caplog):
    data = {"id": "1", "versionId": "2", "formArr": [{"id": "3", "type": "hologram"}]}
    with caplog.at_level(logging.DEBUG, logger="a1.types"):
        for _ in range(3):
            App.from_json(data)
    levels = [r.levelno for r in caplog.records if "hologram" in r.getMessage()]
    assert levels == [logging.WARNING, logging.DEBUG, logging.DEBUG]
