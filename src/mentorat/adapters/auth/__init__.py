"""Authentication adapters: JWT tokens (pyjwt) and password hashes (argon2id)."""
