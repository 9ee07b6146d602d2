"""Users (admins only): the company's users, adding, editing and deactivating them."""
