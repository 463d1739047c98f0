"""Load the sandbox org from demo_org.json (the shared demo org) or a simpler native format."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class User:
    userid: str
    name: str
    mobile: str = ""
    title: str = ""
    kind: str = "staff"  # staff | candidate
    role: str = ""
    dept_id_list: list[int] = field(default_factory=list)
    admin: bool = False

    @property
    def unionid(self) -> str:
        return "union" + hashlib.sha1(self.userid.encode(), usedforsecurity=False).hexdigest()[:16]

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["unionid"] = self.unionid
        return data


@dataclass
class Department:
    dept_id: int
    name: str
    parent_id: int | None = None


@dataclass
class Org:
    corp_id: str
    name: str
    app_key: str
    app_secret: str
    agent_id: str
    robot_code: str
    callback_token: str = ""
    callback_aes_key: str = ""
    departments: list[Department] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)

    def sub_department_ids(self, dept_id: int) -> set[int]:
        """Return `dept_id` and every department below it."""
        found = {dept_id}
        changed = True
        while changed:
            changed = False
            for dept in self.departments:
                if dept.parent_id in found and dept.dept_id not in found:
                    found.add(dept.dept_id)
                    changed = True
        return found


def load_seed(path: str | Path) -> Org:
    """Read a seed file; demo_org.json (has `corp`) and the native format (has `org`) both work."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    if "corp" in raw:
        return _from_demo_org(raw)
    if "org" in raw:
        return _from_native(raw)
    raise ValueError(f"{path}: seed needs a top-level 'corp' (demo org) or 'org' (native) object")


def _org_header(corp: dict[str, Any]) -> Org:
    return Org(
        corp_id=corp["corp_id"],
        name=corp.get("name", corp["corp_id"]),
        app_key=corp["app_key"],
        app_secret=corp["app_secret"],
        agent_id=str(corp.get("agent_id", "100001")),
        robot_code=corp.get("robot_code") or corp["app_key"],
        callback_token=corp.get("callback_token", ""),
        callback_aes_key=corp.get("callback_aes_key", ""),
    )


def _from_demo_org(raw: dict[str, Any]) -> Org:
    org = _org_header(raw["corp"])
    by_ehr = {d["ehr_id"]: d for d in raw.get("departments", [])}
    for dept in raw.get("departments", []):
        parent = by_ehr.get(dept.get("parent") or "")
        org.departments.append(
            Department(
                dept_id=int(dept["dingtalk_dept_id"]),
                name=dept["name"],
                parent_id=int(parent["dingtalk_dept_id"]) if parent else None,
            )
        )
    for person in raw.get("staff", []):
        if not person.get("dingtalk_userid"):
            continue
        depts = [int(by_ehr[d]["dingtalk_dept_id"]) for d in person.get("departments", [])]
        org.users[person["dingtalk_userid"]] = User(
            userid=person["dingtalk_userid"],
            name=person["name"],
            mobile=person.get("mobile", ""),
            title=person.get("title", ""),
            role=person.get("role", ""),
            dept_id_list=depts,
            admin=person.get("role") == "admin",
        )
    candidate_dept = by_ehr.get("d-candidates")
    for cand in raw.get("candidates", []):
        if not cand.get("in_dingtalk") or not cand.get("dingtalk_userid"):
            continue
        org.users[cand["dingtalk_userid"]] = User(
            userid=cand["dingtalk_userid"],
            name=cand["name"],
            mobile=cand.get("mobile", ""),
            title="候选人",
            kind="candidate",
            role="candidate",
            dept_id_list=[int(candidate_dept["dingtalk_dept_id"])] if candidate_dept else [],
        )
    return org


def _from_native(raw: dict[str, Any]) -> Org:
    org = _org_header(raw["org"])
    for dept in raw.get("departments", []):
        org.departments.append(Department(int(dept["id"]), dept["name"], dept.get("parent_id")))
    for user in raw.get("users", []):
        org.users[user["userid"]] = User(
            userid=user["userid"],
            name=user["name"],
            mobile=user.get("mobile", ""),
            title=user.get("title", ""),
            kind=user.get("kind", "staff"),
            role=user.get("role", ""),
            dept_id_list=[int(d) for d in user.get("dept_id_list", [])],
            admin=bool(user.get("admin", False)),
        )
    return org
