"""The EHR connector: the contract and its validation, applying events to the cache, the
webhook and pull ingest, the outbox rows applied changes call for, full reconciliation, and the
admin views of dead letters and history. Changes the backend makes to the cache itself (a
candidate linked to a DingTalk user) are recorded here too (`local_changes`)."""
