"""The S3 pass fails loudly, never skips, when its S3 server cannot start."""

import socket

from tests.files import s3_pass


def test_it_fails_with_a_message_when_the_s3_server_cannot_start(monkeypatch, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))  # moto is given a port someone else holds
        monkeypatch.setattr(s3_pass, "free_port", lambda: taken.getsockname()[1])
        assert s3_pass.main(["--collect-only"]) == 1
    said = capsys.readouterr().err
    assert "S3 PASS FAILED: moto's S3 server did not start" in said
    assert "in use" in said  # the server's own words, for whoever reads the CI log
