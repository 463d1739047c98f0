"""DingTalk OA approval (`alibabacloud_dingtalk.workflow_1_0`): start an instance, read one.

StartProcessInstance (POST /v1.0/workflow/processInstances) with processCode,
originatorUserId, deptId and formComponentValues ({name, value} text fields); GetProcessInstance
(GET /v1.0/workflow/processInstances?processInstanceId=) gives its status and result. The SDK
types `status`, `result` and the operation records' `type` and `result` as plain strings: the
values read here (RUNNING / COMPLETED / TERMINATED; agree / refuse; AGREE / REFUSE) are DingTalk's
documented ones, assumed, and listed in docs/offers.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from alibabacloud_dingtalk.workflow_1_0 import models as wf
from alibabacloud_dingtalk.workflow_1_0.client import Client as WorkflowClient

from clients.dingtalk.openapi import call_sdk, runtime_options, sdk_config

API_START, API_GET = "workflow/processInstances/start", "workflow/processInstances/get"
DECIDING_RESULTS = ("AGREE", "REFUSE")


@dataclass(frozen=True)
class ApprovalSpec:
    """One approval to start: the process, who asks (and from which department), the form."""

    process_code: str
    originator_user_id: str
    dept_id: int
    form: list[tuple[str, str]]  # (component name, text value)


@dataclass(frozen=True)
class ApprovalInstance:
    """What GetProcessInstance says: `status` RUNNING | COMPLETED | TERMINATED | ...; `result`
    agree | refuse when completed; who decided last and their remark."""

    instance_id: str
    status: str
    result: str
    decided_by: str | None
    remark: str | None


class WorkflowApi:
    """The SDK's workflow_1.0 client aimed at `api_base`: a token in, plain values out."""

    def __init__(self, api_base: str, *, timeout_seconds: float) -> None:
        self._runtime = runtime_options(timeout_seconds)
        self._client = WorkflowClient(sdk_config(api_base))

    def start(self, token: str, spec: ApprovalSpec) -> str:
        """StartProcessInstance: the new instance's id."""
        request = wf.StartProcessInstanceRequest(
            process_code=spec.process_code,
            originator_user_id=spec.originator_user_id,
            dept_id=spec.dept_id,
            form_component_values=[
                wf.StartProcessInstanceRequestFormComponentValues(name=name, value=value)
                for name, value in spec.form
            ],
        )
        headers = wf.StartProcessInstanceHeaders(x_acs_dingtalk_access_token=token)
        response = call_sdk(
            API_START,
            lambda: self._client.start_process_instance_with_options(
                request, headers, self._runtime
            ),
        )
        return str(response.body.instance_id or "")

    def get(self, token: str, instance_id: str) -> ApprovalInstance:
        """GetProcessInstance: status, result and the last deciding operation."""
        request = wf.GetProcessInstanceRequest(process_instance_id=instance_id)
        headers = wf.GetProcessInstanceHeaders(x_acs_dingtalk_access_token=token)
        response = call_sdk(
            API_GET,
            lambda: self._client.get_process_instance_with_options(request, headers, self._runtime),
        )
        result = response.body.result
        if result is None:
            return ApprovalInstance(instance_id, "", "", None, None)
        deciding = [
            r
            for r in result.operation_records or []
            if (r.result or "").upper() in DECIDING_RESULTS
        ]
        last = deciding[-1] if deciding else None
        return ApprovalInstance(
            instance_id=instance_id,
            status=(result.status or "").upper(),
            result=(result.result or "").lower(),
            decided_by=last.user_id if last is not None else None,
            remark=last.remark if last is not None else None,
        )
