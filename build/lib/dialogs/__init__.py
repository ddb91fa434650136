"""Conversation logic as plain state machines over plain data. No SDK imports."""
