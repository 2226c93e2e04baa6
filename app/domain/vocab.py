"""The words of the trade, defined once: hazard statuses and severities, how a 疑似重大 hazard
reads, and the Chinese labels of record fields. Views, reports (隐患告知单) and the server use
these, so a label changed here changes everywhere.
"""

from __future__ import annotations

# Site kinds, the yes/no answer options, levels and check methods are validated in checklists'
# schema, which imports nothing from app; the domain re-exports them with the rest of the
# trade's words.
from checklists.kinds import HAZARD, LEVELS, METHODS, RECORD, WARNING
from checklists.schema import SITE_KINDS, YES_NO_NA

# --- hazard status (the lifecycle in domain.lifecycle moves between these) -------------------
PENDING, RECTIFYING, AWAITING_REVIEW, CLOSED = "待整改", "整改中", "待复查", "已销号"
STATUSES = (PENDING, RECTIFYING, AWAITING_REVIEW, CLOSED)

# --- severity -------------------------------------------------------------------------------
GENERAL, MAJOR = "一般", "重大"
SEVERITIES = (GENERAL, MAJOR)

#: The app never labels a hazard 重大 on its own authority: only the competent department can
#: determine a 重大火灾隐患, so the field app calls it suspected.
SEVERITY_LABELS = {GENERAL: "一般隐患", MAJOR: "疑似重大隐患（需主管部门认定）"}
#: The same, short enough for a chip or a list row.
SEVERITY_SHORT = {GENERAL: "一般", MAJOR: "疑似重大"}


def severity_label(severity: str) -> str:
    """How a severity reads on a screen or a notice, e.g. ``疑似重大隐患（需主管部门认定）``."""
    return SEVERITY_LABELS[severity]


# --- finding level and check method (checklists v2) ------------------------------------------
#: What a finding's level means to the inspector and on the summary.
LEVEL_LABELS = {
    HAZARD: "隐患（限期整改）",
    WARNING: "预警（提醒，不下整改通知）",
    RECORD: "记录并报告（报办公室研究）",
}

# --- where a hazard comes from ---------------------------------------------------------------
#: A hazard's ``source``: a checklist answer, the inspector's hand, or a 综合判定 rule counting
#: several open hazards of one inspection.
HAZARD_SOURCE_LABELS = {"checklist": "检查项", "manual": "现场发现", "combination": "综合判定"}

# --- inspection status ----------------------------------------------------------------------
DRAFT, COMPLETED = "draft", "completed"
INSPECTION_STATUS_LABELS = {DRAFT: "检查中", COMPLETED: "已完成"}

# --- record fields --------------------------------------------------------------------------
#: Labels of hazard fields, as a 隐患告知单 and the ledger print them.
HAZARD_FIELDS = {
    "description": "隐患描述",
    "location": "隐患部位",
    "severity": "严重程度",
    "status": "整改状态",
    "rect_unit": "整改责任单位",
    "requirement": "整改要求",
    "deadline": "整改期限",
    "item_id": "检查项",
    "site": "场所",
    "created_at": "发现时间",
    "closed_at": "销号时间",
    "photos": "隐患照片",
}
#: Labels of 复查 (review) fields.
REVIEW_FIELDS = {"reviewer": "复查人", "reviewed_at": "复查时间", "passed": "复查结论", "note": "复查意见"}
REVIEW_RESULT = {True: "复查合格", False: "复查不合格"}
#: Labels of site fields.
SITE_FIELDS = {
    "name": "场所名称", "address": "地址", "kind": "场所类型", "grid": "所属网格",
    "contact_name": "联系人", "contact_phone": "联系电话",
}
#: Labels of the signature block.
SIGNATURE_FIELDS = {"signer_name": "签名人", "signed_at": "签名时间"}
#: What a record kind is called (in messages such as 找不到该隐患).
ENTITY_NAMES = {"site": "场所", "inspection": "检查", "hazard": "隐患", "review": "复查", "photo": "照片"}

#: How sure a checklist item's legal basis is (checklists' ``status`` field).
BASIS_STATUS = {
    "confirmed": "已核实原文",
    "secondary": "二手来源",
    "unconfirmed": "待确认（以本地规定为准）",
    "seed": "区工作方案",
}

__all__ = [
    "AWAITING_REVIEW", "BASIS_STATUS", "CLOSED", "COMPLETED", "DRAFT", "ENTITY_NAMES", "GENERAL", "HAZARD",
    "HAZARD_FIELDS", "HAZARD_SOURCE_LABELS", "INSPECTION_STATUS_LABELS", "LEVELS", "LEVEL_LABELS", "MAJOR",
    "METHODS", "PENDING", "RECORD", "RECTIFYING", "REVIEW_FIELDS", "REVIEW_RESULT", "SEVERITIES",
    "SEVERITY_LABELS", "SEVERITY_SHORT", "SIGNATURE_FIELDS", "SITE_FIELDS", "SITE_KINDS", "STATUSES", "WARNING",
    "YES_NO_NA", "severity_label",
]
