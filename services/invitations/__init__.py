"""The invitation card to the candidate and "I need more time".

Owns: the card a candidate gets when the EHR invites them to an AI interview (planner and
content), the candidate's "I need more time" request and HR's card answering it (Extend 24 h
through the existing extend-deadline path, or Keep the deadline), and the in-place updates of
the candidate's card that say how the request stands.
"""
