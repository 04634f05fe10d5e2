"""Reflex state classes: authorize, call one service, hold plain view data."""
