import pytest

from heady.net import is_loopback_host, is_loopback_url


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:1/mcp", True),
        ("http://127.9.9.9/mcp", True),
        ("http://localhost:80/mcp", True),
        ("http://[::1]:8080/mcp", True),
        ("http://10.0.0.1/mcp", False),
        ("http://example.com/mcp", False),
        ("http://0.0.0.0:8080/mcp", False),
    ],
)
def test_loopback_urls(url: str, loopback: bool) -> None:
    assert is_loopback_url(url) is loopback


def test_loopback_hosts_as_written_in_listen() -> None:
    assert is_loopback_host("127.0.0.1") and is_loopback_host("[::1]") and is_loopback_host("::1")
    assert not is_loopback_host("0.0.0.0") and not is_loopback_host("mcp.example.com")
