"""The closed word lists a checklist file uses (answer kinds, levels, check methods …)."""

from __future__ import annotations

from typing import Literal

YES, NO, NA = "是", "否", "不适用"
YES_NO_NA = (YES, NO, NA)

#: 场所 kinds a site can have; a checklist's scope names some of them.
SITE_KINDS = (
    "群租房",
    "高层住宅",
    "高层公共建筑",
    "小区/单位消防车通道",
    "人员密集场所",
    "危废产生单位",
    "危废经营单位",
    "其他",
)

AnswerKind = Literal["yes_no_na", "number", "choice", "multi_choice", "text", "photo", "date"]
Severity = Literal["一般", "重大"]
#: How sure the domain brief is of a rule: confirmed (verbatim source), secondary (second-hand
#: source), unconfirmed (memory / practice, must not be hard-coded), seed (the district plan).
Status = Literal["confirmed", "secondary", "unconfirmed", "seed"]
#: 红黄蓝 plates; 无 is "no plate" (some schemes hang none on a clean house).
Colour = Literal["红", "黄", "蓝", "无"]

#: What a finding is. 隐患 goes on a 隐患告知单 with a 整改期限; 预警 warns (e.g. a "原则上"
#: storage period passed) without a 整改 obligation; 记录并报告 records a design value an old
#: building misses, for the office to report ("一区一策"), never an order to the owner.
HAZARD, WARNING, RECORD = "隐患", "预警", "记录并报告"
LEVELS = (HAZARD, WARNING, RECORD)
Level = Literal["隐患", "预警", "记录并报告"]

#: How an item is checked. An office can hide methods a role cannot perform (仪器测量 for 网格员).
LOOK, RECORDS, WITNESS, INSTRUMENT = "现场查看", "查阅记录", "见证测试", "仪器测量"
METHODS = (LOOK, RECORDS, WITNESS, INSTRUMENT)
Method = Literal["现场查看", "查阅记录", "见证测试", "仪器测量"]

#: Who determines a hazard (and to whom a 疑似重大 finding is referred).
FIRE = "消防救援机构"
AUTHORITIES = (FIRE, "住建部门", "生态环境部门", "公安机关", "应急管理部门")
Authority = Literal["消防救援机构", "住建部门", "生态环境部门", "公安机关", "应急管理部门"]

#: Site record fields an item can be prefilled from.
PrefillSource = Literal["site.kind", "site.address", "site.name"]
