"""What subscribers manage themselves: contacts, tickets, scheduling, calendar, Home."""
