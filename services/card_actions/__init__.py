"""What a click on a card does: the shared click vocabulary (`click`), the decision buttons and
the dispatch by action (`handle`), and the follow-ups beyond a decision (remind, extend a
deadline, flag, review a requirement: `followups`)."""
