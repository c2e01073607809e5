"""People and roles: accounts, the five roles and their scopes, and the one policy every page and export asks."""
