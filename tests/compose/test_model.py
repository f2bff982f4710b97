from heady.compose.model import ComposeFile


def test_transport_is_inferred_from_port_and_command() -> None:
    compose = ComposeFile.model_validate(
        {
            "servers": {
                "notes": {"command": "python -m notes", "port": 9101},
                "memory": {"command": ["npx", "m"]},
            }
        }
    )
    assert compose.servers["notes"].transport == "http"
    assert compose.servers["notes"].command == ["python", "-m", "notes"]
    assert compose.servers["memory"].transport == "stdio"
    assert compose.servers["notes"].endpoint == "http://127.0.0.1:9101/mcp"


def test_per_tool_limits_override_server_and_gateway() -> None:
    compose = ComposeFile.model_validate(
        {
            "gateway": {"limits": {"timeout": "30s", "max_response_bytes": "8MiB"}},
            "servers": {
                "notes": {
                    "command": "x",
                    "port": 9101,
                    "timeout": "10s",
                    "tool_limits": {"search": {"timeout": "250ms"}},
                }
            },
        }
    )
    server = compose.servers["notes"]
    assert server.effective_limits(compose.gateway.limits).timeout == 10.0
    assert server.effective_limits(compose.gateway.limits, "search").timeout == 0.25
    assert server.effective_limits(compose.gateway.limits, "search").max_response_bytes == 8 * 1024 * 1024
