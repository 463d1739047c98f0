"""A background-check vendor simulator with a Checkr-like API (issue 20)."""
