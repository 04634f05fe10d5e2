"""Notifications: every message to a subscriber goes through `send` (services/notify/send.py), which
applies the account's channel choices, quiet hours and de-duplication and writes the outbox rows in
the caller's transaction. Domains own their words (templates under notify/templates)."""
