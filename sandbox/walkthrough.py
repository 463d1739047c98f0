"""The five-minute walkthrough printed by `make run` (the same steps as docs/walkthrough.md)."""

from __future__ import annotations

# The demo scenario's invitations date from 2026-11-16 (sandbox/ehr/scenario.py), so the sweep
# runs as of the next morning, inside the working window, where cand-09's is overdue.
SWEEP_AT = "2026-11-17T10:00:00+08:00"
# Run by hand in another shell, where APP_ENV is unset (production): it names the environment.
SWEEP_COMMAND = f"APP_ENV=development .venv/bin/flask --app wsgi reminders sweep --now {SWEEP_AT}"


def walkthrough_banner(web_port: int, sandbox_port: int, ehr_port: int) -> str:
    """Return the walkthrough as plain text with the URLs of the given ports."""
    sandbox = f"http://127.0.0.1:{sandbox_port}"
    inbox = f"{sandbox}/_sim/inbox?userid="
    app = f"http://127.0.0.1:{web_port}/app/"
    ehr = f"http://127.0.0.1:{ehr_port}"
    return f"""
Walkthrough (five minutes, any browser; docs/walkthrough.md has the details):
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
  The HR side of the page: {app} -> pick 李娜 (hr_lina).
"""
