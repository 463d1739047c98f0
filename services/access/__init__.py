"""Who may see what: the scope of every viewer (`visibility`), mini-app sessions and their
end (`sessions`), and what candidates see of a score (`score_visibility`)."""
