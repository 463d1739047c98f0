"""DingTalk e-signature (`alibabacloud_dingtalk.esign_2_0`): the offer document signed by the
candidate.

The flow: GetFileUploadUrl (a file id and an upload URL), a PUT of the document's bytes to that
URL (plain HTTP with Content-MD5, as e签宝's upload wants), CreateProcess (`startAtOnce`: the
document, the candidate as the one signer by mobile, a deadline, where to return), then
GetExecuteUrl for the candidate's signing page, and GetSignDetail to read the flow's status.
The SDK types `flowStatus` as a number without naming its values: those read here (2 completed,
3 revoked, 5 expired, 7 refused) are e签宝's documented ones, assumed (docs/offers.md).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

import requests
from alibabacloud_dingtalk.esign_2_0 import models as es
from alibabacloud_dingtalk.esign_2_0.client import Client as EsignClient

from clients.dingtalk.errors import DingTalkBadRequest, DingTalkTransient
from clients.dingtalk.openapi import call_sdk, runtime_options, sdk_config

API_UPLOAD, API_CREATE = "esign/files/uploadUrls", "esign/process/startAtOnce"
API_URL, API_DETAIL = "esign/process/executeUrls", "esign/signTasks"
CONTENT_TYPE = "text/plain; charset=utf-8"
OUTER_USER = "OUTER_USER"  # a signer outside the organisation (assumed value)
PERSONAL_SIGNATURE = "2"  # signRequirements: a personal signature (assumed value)
H5 = 1  # signContainer: the mobile page (assumed value)


@dataclass(frozen=True)
class SigningSpec:
    """One flow: the document, the candidate who signs it, the deadline and the return page."""

    initiator_user_id: str
    task_name: str
    file_name: str
    document: bytes
    signer_mobile: str
    signer_name: str
    sign_end_ms: int
    redirect_url: str


class EsignApi:
    """The SDK's esign_2.0 client aimed at `api_base`: a token in, plain values out."""

    def __init__(self, api_base: str, *, timeout_seconds: float) -> None:
        self._timeout = timeout_seconds
        self._runtime = runtime_options(timeout_seconds)
        self._client = EsignClient(sdk_config(api_base))

    def _upload(self, token: str, spec: SigningSpec) -> str:
        md5 = base64.b64encode(hashlib.md5(spec.document).digest()).decode()  # noqa: S324
        request = es.GetFileUploadUrlRequest(
            content_md_5=md5,
            content_type=CONTENT_TYPE,
            convert_2pdf=True,
            file_name=spec.file_name,
            file_size=len(spec.document),
        )
        headers = es.GetFileUploadUrlHeaders(x_acs_dingtalk_access_token=token)
        body = call_sdk(
            API_UPLOAD,
            lambda: self._client.get_file_upload_url_with_options(request, headers, self._runtime),
        ).body
        try:
            put = requests.put(
                str(body.upload_url),
                data=spec.document,
                headers={"Content-MD5": md5, "Content-Type": CONTENT_TYPE},
                timeout=self._timeout,
            )
        except requests.RequestException as exc:
            raise DingTalkTransient(type(exc).__name__, api="esign/upload") from exc
        if put.status_code >= 500:
            raise DingTalkTransient(f"HTTP {put.status_code}", api="esign/upload")
        if put.status_code >= 400:
            raise DingTalkBadRequest(f"HTTP {put.status_code}", api="esign/upload")
        return str(body.file_id or "")

    def start(self, token: str, spec: SigningSpec) -> str:
        """Upload the document and start the flow; its task (flow) id."""
        file_id = self._upload(token, spec)
        request = es.CreateProcessRequest(
            initiator_user_id=spec.initiator_user_id,
            task_name=spec.task_name,
            files=[es.CreateProcessRequestFiles(file_id=file_id, file_name=spec.file_name)],
            participants=[
                es.CreateProcessRequestParticipants(
                    account=spec.signer_mobile,
                    account_name=spec.signer_name,
                    account_type=OUTER_USER,
                    sign_requirements=PERSONAL_SIGNATURE,
                )
            ],
            sign_end_time=spec.sign_end_ms,
            redirect_url=spec.redirect_url,
        )
        headers = es.CreateProcessHeaders(x_acs_dingtalk_access_token=token)
        body = call_sdk(
            API_CREATE,
            lambda: self._client.create_process_with_options(request, headers, self._runtime),
        ).body
        return str(body.task_id or "")

    def sign_url(self, token: str, task_id: str, account: str) -> str:
        """GetExecuteUrl: the signer's page (the short URL, else the long one)."""
        request = es.GetExecuteUrlRequest(task_id=task_id, account=account, sign_container=H5)
        headers = es.GetExecuteUrlHeaders(x_acs_dingtalk_access_token=token)
        body = call_sdk(
            API_URL,
            lambda: self._client.get_execute_url_with_options(request, headers, self._runtime),
        ).body
        return str(body.short_url or body.long_url or body.mobile_url or "")

    def flow_status(self, token: str, task_id: str) -> int:
        """GetSignDetail: the flow's status number."""
        headers = es.GetSignDetailHeaders(x_acs_dingtalk_access_token=token)
        body = call_sdk(
            API_DETAIL,
            lambda: self._client.get_sign_detail_with_options(task_id, headers, self._runtime),
        ).body
        return int(body.flow_status or 0)
