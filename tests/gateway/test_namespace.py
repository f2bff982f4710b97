"""Names on the merged endpoint: prefixes, resource URI mapping, cursors."""

from __future__ import annotations

from heady.gateway.namespace import Namespace, decode_cursor, encode_cursor


def test_prefix_split_even_when_the_server_name_contains_the_separator() -> None:
    ns = Namespace(["a", "a__b", "weather"], "__")
    assert ns.name("weather", "get") == "weather__get"
    assert ns.split("weather__get__now") == ("weather", "get__now")
    assert ns.split("a__b__tool") == ("a__b", "tool")
    assert ns.split("a__tool") == ("a", "tool")
    assert ns.split("nope__tool") is None
    assert ns.split("weather__") is None
    assert ns.split("plain") is None


def test_resource_uris_map_reversibly_and_keep_templates() -> None:
    ns = Namespace(["files"], "__")
    for uri in ("file:///etc/hosts", "memo://x?y=1#z", "note://{key}/text", "urn:isbn:123"):
        mapped = ns.uri("files", uri)
        assert mapped.startswith("heady://files/")
        assert ns.split_uri(mapped) == ("files", uri)
    assert ns.split_uri("heady://other/file:///x") is None
    assert ns.split_uri("file:///x") is None
    assert ns.split_uri("heady://files/") is None


def test_cursor_round_trip_and_garbage() -> None:
    cursor = encode_cursor({"a": "c1", "b": "c2"})
    assert decode_cursor(cursor, {"a", "b"}) == {"a": "c1", "b": "c2"}
    assert decode_cursor(cursor, {"a"}) is None
    assert decode_cursor("!!!", {"a"}) is None
    assert decode_cursor("e30=", {"a"}) is None  # {}
    assert decode_cursor("ñ", {"a"}) is None
