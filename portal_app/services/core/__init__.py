"""What every domain shares: access checks, principal, errors, history, clock, money, outbox."""
