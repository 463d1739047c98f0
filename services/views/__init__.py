"""What people read in the mini-app: the candidate's interviews and reports (`candidate`), HR's
positions, rankings and reports (`hr`), and a position's score statistics (`position_stats`)."""
