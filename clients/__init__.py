"""Edge clients for DingTalk (OpenAPI and oapi) and the EHR (change feed and write-back).

Used by jobs and the mini-app login; never by services.
"""
