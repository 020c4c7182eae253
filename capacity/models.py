"""Who can work how much: working hours, time off and holidays (docs/planning.md)."""
