"""The "My Interviews" mini-app HTTP API (Flask blueprints): parse, authorize, call one service."""
