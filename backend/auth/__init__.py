"""auth: customers (tenants), users, roles, password login, refresh-token families, sessions."""
