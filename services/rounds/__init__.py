"""The rounds after the AI interview (issue 18, items 2, 3 and 6).

Owns: HR's scheduling, rescheduling and cancelling of a video or onsite round from DingTalk
(validation, scope, the idempotent request record around the EHR's synchronous write-back, and
applying its answer), the interviewer options and busy-time look-up of the scheduling form, the
DingTalk calendar event of each round (what it should say, and the record of what it says), the
cards a round sends (the candidate's round card, "moved / cancelled", HR's "asks for another
time") and the candidate's Confirm / Ask for another time buttons.
"""
