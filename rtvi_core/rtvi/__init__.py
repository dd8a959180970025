"""RTVI protocol layer: message schema, parsing and encoding."""
