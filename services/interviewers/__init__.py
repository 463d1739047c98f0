"""Interviewers of the rounds after the AI interview (issue 18, items 4 and 5).

Owns: which rounds an interviewer sees and their briefing (the AI report, the weakest
dimensions with what to probe, from the admin-kept question list), the feedback rules (only an
assigned interviewer, not before the start, one feedback per interviewer per round whose later
changes are new versions, the others' feedback hidden until one's own is given), the clock of
the briefing, the feedback request and its one reminder, and HR's summary once every
interviewer has answered. Who may see a round is services/access/visibility.py's
`get_interview_for_interviewer`.
"""
