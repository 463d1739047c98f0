"""Notification machinery: the catalogue, one table from every outbox kind to the function that
plans it and from every card purpose to its builder (`catalog`), planning an outbox row into
deliveries (`planning`, on the shapes of `base`), who receives what (`recipients`), the company
policy (`policy`), what one delivery sends at send time (`deliveries`), and the score cards
(`score_cards`). The cards of each other feature live with it (`clock.cards`,
`clock.manual_reminder`, `decisions.cards`)."""
