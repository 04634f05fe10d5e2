"""What provider staff do across accounts."""
