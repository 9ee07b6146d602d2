"""sync: Salesforce and HubSpot connections, field mappings, cursors, conflict log."""
