"""The EHR connector: the contract and its validation, applying events to the cache, the
webhook ingest and the change-feed pull (`pull`, with its pages read ahead by `read_ahead`), the
outbox rows applied changes call for, full reconciliation, and the admin views of dead letters
and history. Changes the backend makes to the cache itself (a candidate linked to a DingTalk
user) are recorded here too (`local_changes`)."""
