"""The onboarding notice after the check passes (issue 20): date, place, what to bring, and a
training plan from what the AI interview found weak."""
