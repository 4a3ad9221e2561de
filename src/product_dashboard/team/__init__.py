"""Team accounts: admins list, add, re-role, disable, reset and sign out users (API and CLI)."""
