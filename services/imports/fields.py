"""What a column of a vendor's export can mean, and how its header is recognised (zh and en).

A column maps to one of `FIELDS`: a value of the contract (the candidate's name, mobile or id,
the position, when the interview took place, the overall score, the comment), `dimension` (a
column per scored dimension, its label and maximum taken from the header), or `ignore`.
"""

from __future__ import annotations

import re
import unicodedata

CANDIDATE_ID = "candidate_id"
NAME = "name"
MOBILE = "mobile"
EMAIL = "email"
POSITION = "position"
INTERVIEWED_AT = "interviewed_at"
OVERALL = "overall"
COMMENT = "comment"
DIMENSION = "dimension"
IGNORE = "ignore"
# Each at most once per file; `dimension` and `ignore` may be given to any number of columns.
SINGLE_FIELDS = (CANDIDATE_ID, NAME, MOBILE, EMAIL, POSITION, INTERVIEWED_AT, OVERALL, COMMENT)
FIELDS = (*SINGLE_FIELDS, DIMENSION, IGNORE)
REQUIRED_FIELDS = (NAME, POSITION, INTERVIEWED_AT, OVERALL)
# A row's candidate is found by one of these (the stable key of the row's candidate).
CANDIDATE_KEYS = (MOBILE, CANDIDATE_ID)

# Headers as vendors and HR write them, normalised by `normalise` (lower case, no spaces).
SYNONYMS: dict[str, tuple[str, ...]] = {
    CANDIDATE_ID: ("候选人编号", "候选人id", "人员编号", "candidateid", "candidate_id", "id"),
    NAME: ("姓名", "候选人", "候选人姓名", "名字", "name", "candidatename", "fullname"),
    MOBILE: (
        "手机号",
        "手机",
        "手机号码",
        "联系电话",
        "电话",
        "mobile",
        "phone",
        "mobilephone",
        "phonenumber",
        "cellphone",
    ),
    EMAIL: ("邮箱", "电子邮箱", "邮件", "email", "e-mail", "mail"),
    POSITION: (
        "岗位",
        "应聘岗位",
        "职位",
        "应聘职位",
        "岗位名称",
        "职位名称",
        "position",
        "job",
        "jobtitle",
        "positionid",
        "岗位编号",
    ),
    INTERVIEWED_AT: (
        "面试时间",
        "面试日期",
        "完成时间",
        "答题时间",
        "面试完成时间",
        "interviewtime",
        "interviewdate",
        "interviewedat",
        "completedat",
        "date",
        "time",
    ),
    OVERALL: (
        "综合得分",
        "总分",
        "综合分",
        "得分",
        "总得分",
        "综合评分",
        "分数",
        "overall",
        "overallscore",
        "totalscore",
        "score",
        "total",
    ),
    COMMENT: (
        "评语",
        "评价",
        "面试评语",
        "综合评语",
        "点评",
        "ai评语",
        "comment",
        "comments",
        "remark",
        "remarks",
        "feedback",
        "evaluation",
    ),
    IGNORE: ("序号", "no", "no.", "#", "index", "行号"),
}
_BY_HEADER = {word: field for field, words in SYNONYMS.items() for word in words}

# Dimension labels with the keys the demo EHR and common vendors use, so an imported score's
# dimensions line up with the EHR's in position statistics.
DIMENSION_KEYS: dict[str, str] = {
    "沟通能力": "communication",
    "沟通表达": "communication",
    "表达能力": "communication",
    "communication": "communication",
    "服务意识": "service_attitude",
    "serviceattitude": "service_attitude",
    "逻辑思维": "logic",
    "逻辑能力": "logic",
    "logic": "logic",
    "专业知识": "expertise",
    "专业能力": "expertise",
    "expertise": "expertise",
    "学习能力": "learning",
    "learning": "learning",
    "抗压能力": "resilience",
    "resilience": "resilience",
    "团队协作": "teamwork",
    "teamwork": "teamwork",
    "执行力": "execution",
    "责任心": "responsibility",
    "稳定性": "stability",
    "夜班适应度": "night_shift",
}
# An unknown header holding one of these is taken for a dimension ("应变能力", "Sales score").
_DIMENSION_HINTS = ("能力", "意识", "素质", "适应", "score", "skill")
# "沟通能力（满分10）", "Logic (/10)", "Teamwork /5": the dimension's maximum.
_MAX_SCORE = re.compile(r"[(（]?\s*(?:满分|max|/|／)\s*(\d+(?:\.\d+)?)\s*分?\s*[)）]?\s*$", re.I)


def normalise(header: str) -> str:
    """The header as compared: NFKC (full-width to half-width), lower case, no spaces or '*'."""
    text = unicodedata.normalize("NFKC", header).lower()
    return re.sub(r"[\s*:：]+", "", text)


def split_max_score(header: str) -> tuple[str, float | None]:
    """The header without its "(满分10)" part, and that maximum if it says one."""
    text = unicodedata.normalize("NFKC", header).strip()
    match = _MAX_SCORE.search(text)
    if match is None:
        return text, None
    return text[: match.start()].strip(), float(match.group(1))


def recognise(header: str) -> str | None:
    """The field a header names, `dimension` for a scored quality, or None when unknown."""
    key = normalise(header)
    if not key:
        return None
    if key in _BY_HEADER:
        return _BY_HEADER[key]
    label, maximum = split_max_score(header)
    if normalise(label) in DIMENSION_KEYS or maximum is not None:
        return DIMENSION
    if any(hint in key for hint in _DIMENSION_HINTS):
        return DIMENSION
    return None


def dimension_of(header: str) -> tuple[str, str, float]:
    """A dimension column's key, label and maximum score (100 unless the header says)."""
    label, maximum = split_max_score(header)
    label = label or header.strip()
    key = DIMENSION_KEYS.get(normalise(label)) or normalise(label)[:64]
    return key, label[:200], maximum if maximum and maximum > 0 else 100.0
