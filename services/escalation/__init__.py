"""Escalation of candidate messages that stay unread (issue 22): `ladder` says which rung is due
for which message, `reads` what counts as read."""
