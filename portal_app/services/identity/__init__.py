"""Who is signing in: sessions, passwords, tokens, sign-up, two-factor, rate limits."""
