"""Notification machinery: the catalogue of outbox kinds and the planners that turn them into
deliveries (`catalog`, `registry`, `planning`), who receives what (`recipients`), the company
policy (`policy`), and what one delivery sends at send time (`deliveries`). The cards of each
feature live with the feature (`clock.cards`, `decisions.cards`)."""
