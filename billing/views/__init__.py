"""Pages of billing: keys and usage (everyone), team credits (team admins), spend review (staff)."""
