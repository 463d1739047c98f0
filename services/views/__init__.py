"""What people read in the mini-app: the candidate's interviews and reports (`candidate`, with
the next step, progress and to-dos in `candidate_steps`), HR's positions, rankings and reports
(`hr`), and a position's score statistics (`position_stats`: one PostgreSQL statement in
`position_stats_postgresql`, the portable query for SQLite in `position_stats_portable`, their
shared shapes in `position_stats_base`; a parity test runs both)."""
