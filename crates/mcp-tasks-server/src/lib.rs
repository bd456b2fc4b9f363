//! MCP server SDK (being written).
