"""The walkthrough printed by `make run` (the same steps as docs/walkthrough.md)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

# The demo scenario's invitations date from 2026-11-16 (sandbox/ehr/scenario.py), so the sweep
# runs as of the next morning, inside the working window, where cand-09's is overdue.
SWEEP_AT = "2026-11-17T10:00:00+08:00"
# Run by hand in another shell, where APP_ENV is unset (production): it names the environment.
SWEEP_COMMAND = f"APP_ENV=development .venv/bin/flask --app wsgi reminders sweep --now {SWEEP_AT}"

OPS_COMMAND = "APP_ENV=development .venv/bin/flask --app wsgi ops status"
IMPORT_COMMAND = (
    "APP_ENV=development .venv/bin/flask --app wsgi import scores"
    " sandbox/samples/ai_vendor_scores.csv --mapping ai-vendor"
)


def digest_push_command(now: datetime | None = None) -> str:
    """Push the digests due when the working window next opens (the defaults: 09:00-21:00 in
    Shanghai, Chinese holidays off); a digest of a night's scores waits for it."""
    from services.clock.quiet_hours import WorkingHours, next_window_open

    hours = WorkingHours(start=time(9), end=time(21), tz=ZoneInfo("Asia/Shanghai"))
    opens = next_window_open(now or datetime.now(UTC), hours) + timedelta(minutes=1)
    return f"APP_ENV=development .venv/bin/flask --app wsgi digests push --now {opens.isoformat()}"


def escalation_sweep_command(now: datetime | None = None) -> str:
    """The escalation sweep 4 h after `make run` started, moved into the working window: every
    candidate who has not opened their invitation gets a DING."""
    from services.clock.quiet_hours import WorkingHours, next_window_open

    hours = WorkingHours(start=time(9), end=time(21), tz=ZoneInfo("Asia/Shanghai"))
    at = next_window_open((now or datetime.now(UTC)) + timedelta(hours=4, minutes=1), hours)
    when = at.replace(microsecond=0).isoformat()
    return f"APP_ENV=development .venv/bin/flask --app wsgi escalation sweep --now {when}"


def rounds_sweep_command(now: datetime | None = None) -> str:
    """The interviewers' sweep as of 09:00 tomorrow in Shanghai: the scenario puts cand-07's
    round at 10:00 then (briefing due) and cand-05's a few hours before `make run` (feedback)."""
    today = (now or datetime.now(UTC)).astimezone(ZoneInfo("Asia/Shanghai")).date()
    at = f"{today + timedelta(days=1)}T09:00:00+08:00"
    return f"APP_ENV=development .venv/bin/flask --app wsgi reminders sweep --now {at}"


# The background-check vendor simulator `make run` starts (BGCHECK_BASE_URL's development value).
BGCHECK_VENDOR_URL = "http://127.0.0.1:8792"


def walkthrough_banner(web_port: int, sandbox_port: int, ehr_port: int) -> str:
    """Return the walkthrough as plain text with the URLs of the given ports."""
    sandbox = f"http://127.0.0.1:{sandbox_port}"
    inbox = f"{sandbox}/_sim/inbox?userid="
    app = f"http://127.0.0.1:{web_port}/app/"
    ehr = f"http://127.0.0.1:{ehr_port}"
    # Steps 10 on (operations and the rest of the hiring loop) are built apart.
    later = _after_the_ai_interview(sandbox, app, ehr, web_port)
    return f"""
Walkthrough (ten minutes, any browser; docs/walkthrough.md has the details):
  1. Open the DingTalk inbox of HR owner 李娜 and find 张伟's score card (门店店员（夜班）):
       {inbox}hr_lina
  2. Press 推进 (Advance) on that card; the card answers at once.
  3. Every HR copy updates (the co-owner 王强 sees "已由 李娜 处理：已推进"), and the decision
     reaches the demo EHR:
       {inbox}hr_wangqiang
       {ehr}/_demo/decisions
  4. Open the "My Interviews" H5 page, pick 张伟 (cand_01): the progress shows the next round,
     and his chat has the 恭喜进入下一轮 card:
       {app}#/interviews/iv-01
       {inbox}cand_01
  5. Run the reminder sweep in a second terminal, then see the reminder reach 周敏 (cand_09):
       {SWEEP_COMMAND}
       {inbox}cand_09
  6. 周敏's AI 面试邀请 card: press 我需要更多时间; 李娜 gets the request card
     (延长 24 小时 / 保持原截止时间), and her answer reaches 周敏's card:
       {inbox}cand_09
       {inbox}hr_lina
  7. Schedule 张伟's next round as 李娜 (or press 安排下一轮 on his score card): pick 周杰 and
     吴华, tomorrow 10:00 shows 周杰's clash; submit, then see their calendars and 张伟's
     面试安排 card (确认参加 / 申请更换时间):
       {app}#/hr/applications/app-01/schedule
       {sandbox}/_sim/calendar?userid=iv_zhoujie
       {inbox}cand_01
  8. The interviewer's page: pick 周杰 (iv_zhoujie): 赵丽's round tomorrow with its briefing
     (AI scores, what to probe), and 陈静's round that ended, waiting for feedback:
       {app}#/interviewer
  9. Run the interviewers' sweep; 周杰 gets 赵丽's briefing and the feedback request for 陈静.
     Press 通过 on it as 周杰 and as 吴华: 李娜 gets one 面试反馈汇总 card:
       {rounds_sweep_command()}
       {inbox}iv_zhoujie   {inbox}iv_wuhua   {inbox}hr_lina
{later}  The HR side of the page: {app} -> pick 李娜 (hr_lina).
"""


def _after_the_ai_interview(sandbox: str, app: str, ehr: str, web_port: int) -> str:
    """Steps 10 on: operations, digests, imports, the offer, insight, the check and onboarding."""
    inbox = f"{sandbox}/_sim/inbox?userid="
    return f"""\
  10. Operations, as the admin 陈刚 (admin_chengang): the 运维 page says what needs attention
     (queues and failed jobs, dead letters, held events, undeliverable cards, the pull, the
     outbox, the DingTalk token) with requeue / replay / retry; the same from the command line;
     and the Prometheus metrics of every process (dev token shown):
       {app}#/admin/ops
       {OPS_COMMAND}
       curl -H 'Authorization: Bearer demo-metrics-token' http://127.0.0.1:{web_port}/metrics
  11. A batch of AI interviews, as a digest: in 李娜's chat send 设置 通知 汇总 (the box under
     her messages), then push 30 results for 门店店员（夜班）. 李娜 gets ONE 新成绩汇总 card
     (counts, top candidates, 查看排名 / 推进建议的 N 人 with a confirmation), updated in
     place; 王强, still 逐条, gets a card per candidate:
       {inbox}hr_lina
       curl -X POST {ehr}/_demo/batch -H 'Content-Type: application/json' -d '{{"count": 30}}'
       {inbox}hr_wangqiang
     Outside working hours (09:00-21:00 Shanghai) the digest waits for the window to open;
     to see it now: {digest_push_command()}
     Candidates who leave their invitation unread get a DING 4 h later (then an SMS DING,
     then an HR to-do); run the sweep as of then and see 周敏's DING:
       {escalation_sweep_command()}
       {sandbox}/_sim/dings?userid=cand_09
  12. Import an AI vendor's score export (a sample with one rejected row; --dry-run previews
     only): 李娜 and 孙丽 get the new candidates' score cards; the 导入 page does it in the
     browser as 陈刚 (upload, column mapping, preview, 确认导入):
       {IMPORT_COMMAND}
       {inbox}hr_lina   {inbox}hr_sunli
       {app}#/admin/imports
  13. The offer: 马超 (cand_13, 仓库拣货员, 93) reached the offer stage; 孙丽 has the
     录用意向草稿 card (月薪 7,500: 岗位薪资带 6,000–7,500，综合分 93 → 7,500). Press 调整, set
     a start date (and, to see the approval, 8,000), 发送; 钱伟 approves on his card; 马超 gets
     您收到一份录用意向, opens it, ticks the confirmation and accepts; the EHR has each status:
       {inbox}hr_sunli
       {app}#/hr/applications/app-13/offer
       {inbox}mgr_qianwei
       {inbox}cand_13
       {ehr}/_demo/offers
     (With OFFER_APPROVAL_PROCESS_CODE set, the 8,000 offer waits for a DingTalk OA approval
     instead: {sandbox}/_sim/approvals, then POST .../_sim/approvals/<id>/decide
     {{"result": "agree"}}. With OFFER_SIGNING=dingtalk_esign, 接受 opens the e-signature
     page instead; 签署 there, and the offer sweep accepts the offer: {sandbox}/_sim/esign)
{_after_the_hire(app, inbox, ehr)}"""


def _after_the_hire(app: str, inbox: str, ehr: str) -> str:
    """Steps 14 on: the candidate's feedback, predictive validity, the check and onboarding."""
    return f"""\
  14. Feedback the candidate can use: 王芳 (cand_02) reads 反馈与建议 under her score (her
     strength, what to work on with a suggestion, the fit with the position in words); 李娜
     previews exactly that, with the probation score once there is one; the admin 陈刚 edits
     the suggestions per dimension (zh and en):
       {app}#/interviews/iv-02
       {app}#/hr/applications/app-02/insight
       {app}#/admin/feedback-catalog
  15. Does the AI interview predict anything? Push the demo EHR's 2025 hiring round (100
     applicants, 40 hires with training and performance reviews), then open its validity page
     as 赵敏 (mgr_zhaomin): correlations with 95% intervals, the chart, the cut-off statement,
     course completion, and the advance rate per education group (four-fifths rule):
       curl -X POST {ehr}/_demo/history
       {app}#/hr/positions/pos-store-night-2025/validity
       {app}#/hr/applications/hist-app-005/insight
  16. After the offer (step 13's 马超 accepted): his chat has 背景调查授权; on the consent page
     he reads the items and the consent, enters an ID-card number (the sample
     11010519491231002X) and a previous employer, and agrees. The vendor simulator completes
     the check 30 s later with one item to consider (工作经历核验): 孙丽 gets 背景调查待确认
     (通过 / 不通过 / 请候选人说明) and presses 通过, then 确认并发送入职通知 on 入职安排待确认;
     马超 gets 入职通知 and reads the onboarding page (date, place, what to bring, the training
     plan). The vendor saw the number (masked here), the EHR each step, never the number:
       {inbox}cand_13
       {app}#/background-check
       {BGCHECK_VENDOR_URL}/_vendor/checks
       {inbox}hr_sunli
       {app}#/onboarding
       {ehr}/_demo/hiring
"""
