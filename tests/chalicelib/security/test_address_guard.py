"""The address guard against hostile subscriber URLs."""

from __future__ import annotations

import socket

import pytest

from chalicelib.security import address_guard
from chalicelib.security.address_guard import TargetRefused, check

HOSTILE = [
    "https://127.0.0.1/hook",
    "https://localhost/hook",
    "https://10.0.0.1/hook",
    "https://192.168.1.20/hook",
    "https://172.16.0.3/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://100.64.0.1/hook",
    "https://[::1]/hook",
    "https://2130706433/hook",
    "https://0x7f000001/hook",
    "https://017700000001/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[::ffff:a9fe:a9fe]/hook",
    "https://[64:ff9b::7f00:1]/hook",
    "https://[2002:7f00:1::]/hook",
    "https://[fe80::1]/hook",
    "https://[fc00::1]/hook",
    "https://224.0.0.1/hook",
    "https://0.0.0.0/hook",
    "https://240.0.0.1/hook",
    "http://example.com/hook",
    "ftp://example.com/hook",
    "https://user:pw@example.com/hook",
    "https:///nohost",
    "not a url",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_targets_are_refused(url):
    with pytest.raises(TargetRefused) as caught:
        check(url, allow_private=False)
    assert caught.value.status == 422
    assert "target_url" in caught.value.fields


@pytest.mark.parametrize("url", ["https://10.0.0.1/", "https://169.254.169.254/", "https://[::ffff:127.0.0.1]/", "https://100.64.0.1/"])
def test_the_local_development_switch_allows_only_loopback(url):
    with pytest.raises(TargetRefused):
        check(url, allow_private=True)
    assert check("http://127.0.0.1:65535/x", allow_private=True).address == "127.0.0.1"


def fake_dns(answers: dict[str, list[str]]):
    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            raise socket.gaierror("no such name")
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]

    return getaddrinfo


def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch):
    # DNS has no local stand-in: the resolver is the one thing swapped here.
    monkeypatch.setattr(
        address_guard.socket,
        "getaddrinfo",
        fake_dns({"hooks.example.com": ["93.184.216.34", "10.1.2.3"], "ok.example.com": ["93.184.216.34"]}),
    )
    with pytest.raises(TargetRefused):
        check("https://hooks.example.com/x", allow_private=False)
    target = check("https://ok.example.com:8443/x?a=1", allow_private=False)
    assert (target.host, target.port, target.address) == ("ok.example.com", 8443, "93.184.216.34")


def test_unresolvable_names_are_refused(monkeypatch):
    monkeypatch.setattr(address_guard.socket, "getaddrinfo", fake_dns({}))
    with pytest.raises(TargetRefused):
        check("https://nowhere.example/x", allow_private=False)


@pytest.mark.parametrize("port", [22, 25, 53, 110, 445, 587, 993, 3306, 5432, 6379, 11211, 27017])
def test_ports_of_services_that_are_not_web_servers_are_refused(port: int) -> None:
    with pytest.raises(TargetRefused, match=f"port {port}"):
        address_guard.refuse_service_port(f"https://hooks.example.com:{port}/in")


@pytest.mark.parametrize(
    "url",
    [
        "https://h.example.com/in",
        "https://h.example.com:443/",
        "http://h.example.com:80/",
        "https://h.example.com:8443/",
        "https://h.example.com:8080/",
        "https://n8n.example.com:5678/webhook/x",
        "https://h.example.com:1880/",
        "https://h.example.com:8123/",
        "https://h.example.com:3000/",
    ],
)
def test_web_ports_and_self_hosted_automation_ports_pass(url: str) -> None:
    address_guard.refuse_service_port(url)
