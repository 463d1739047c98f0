"""One write-back call to the EHR from a job, with the outcome every such job records.

A transient failure is raised for RQ's Retry; a 409 means the EHR already holds it (or refuses
it for good) and is not retried; any other refusal is recorded by its type. The call carries the
outbox row's idempotency key, so a retried job writes nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable

from clients.ehr import EhrClient, EhrConflict, EhrError, EhrTransientError
from config import Settings


def write_to_ehr(settings: Settings, call: Callable[[EhrClient], object]) -> str:
    """Run `call` with a fresh EHR client; "written", "conflict" or "failed <type>"."""
    ehr = EhrClient.from_settings(settings)
    try:
        call(ehr)
        return "written"
    except EhrTransientError:
        raise
    except EhrConflict:
        return "conflict"
    except EhrError as exc:
        return f"failed {type(exc).__name__}"
    finally:
        ehr.close()
