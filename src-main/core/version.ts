/** R42 Companion's version, as the CLI and the MCP server report it. */
export const VERSION = '0.1.0';
