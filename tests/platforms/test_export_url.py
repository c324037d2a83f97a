"""`make export` checks its URL: https with a real host; http only for loopback, with a warning; placeholders refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from platforms import export, export_url
from platforms.common import ExportError


@pytest.mark.parametrize(
    "url",
    ["https://abc123.execute-api.eu-west-1.amazonaws.com/api", "https://connector.example.com", "https://203.0.113.7/api"],
)
def test_https_with_a_real_host_is_taken_without_a_word(url: str) -> None:
    assert export_url.checked(url) is None


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://localhost:8000/api", "http://[::1]:8000"])
def test_http_on_loopback_is_taken_with_a_warning(url: str) -> None:
    warning = export_url.checked(url)
    assert warning is not None and "cannot reach it" in warning


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https://<the connector's URL>", "placeholder"),
        ("https://<EndpointURL>/api", "placeholder"),
        ("https://%3Cthe%20connector%3E", "placeholder"),
        ("http://connector.example.com", "must start with https://"),
        ("http://10.0.0.5:8000", "must start with https://"),
        ("ftp://connector.example.com", "must start with https://"),
        ("https://connector", "real host"),
        ("https://", "real host"),
    ],
)
def test_what_no_platform_could_use_is_refused_with_the_reason(url: str, words: str) -> None:
    with pytest.raises(ExportError, match=words):
        export_url.checked(url)


def test_the_command_refuses_a_placeholder_before_writing_and_warns_on_loopback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert export.main(["--platform", "make", "--url", "https://<the connector's URL>", "--out", str(tmp_path / "a")]) == 2
    assert "placeholder" in capsys.readouterr().err and not (tmp_path / "a").exists()
    assert export.main(["--platform", "make", "--url", "http://127.0.0.1:8000", "--out", str(tmp_path / "b")]) == 0
    assert "warning: http://127.0.0.1:8000" in capsys.readouterr().err and (tmp_path / "b").is_dir()
