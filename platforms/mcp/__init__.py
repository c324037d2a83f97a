"""The MCP client configuration snippets for a connector URL (``make export PLATFORM=mcp``)."""
