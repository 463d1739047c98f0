"""From scores to insight (issue 21): the candidate's feedback, training follow-up, probation
scores, predictive validity and the adverse-impact guard."""
