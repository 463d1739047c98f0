"""Operating the system: what needs attention (`status`: stuck events, failed jobs, undeliverable
cards, the pull's and the outbox's lag, the DingTalk token) and the actions that clear it."""
