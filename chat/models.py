"""Conversations and messages of the browser chat."""
