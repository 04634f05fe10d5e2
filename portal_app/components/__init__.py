"""Reusable UI pieces: the app shell, cards, form fields. They take arguments and hold no state."""
