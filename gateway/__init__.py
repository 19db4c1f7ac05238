"""A1's five endpoints under /open-api/v1/a1/, answered by the portal for a portal key."""
