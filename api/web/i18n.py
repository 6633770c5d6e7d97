"""UI text in Chinese (the default) and English; `?lang=en` switches and a cookie remembers it."""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("zh", "en")
LANG_COOKIE = "kesheng_lang"

_TEXT: dict[str, tuple[str, str]] = {
    "app": ("客声 · 客户之声", "kesheng · voice of the customer"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "queue": ("投诉队列", "Complaint queue"),
    "dashboard": ("仪表盘", "Dashboard"),
    "search": ("搜索", "Search"),
    "audit": ("审计日志", "Audit log"),
    "filter": ("筛选", "Filter"),
    "export_csv": ("导出 CSV", "Export CSV"),
    "any": ("全部", "any"),
    "severity": ("严重程度", "Severity"),
    "status": ("状态", "Status"),
    "branch": ("网点", "Branch"),
    "category": ("类别", "Category"),
    "intent": ("意图", "Intent"),
    "since": ("起始日期", "From"),
    "until": ("截止日期", "Until"),
    "customer": ("客户", "Customer"),
    "channel": ("渠道", "Channel"),
    "created": ("时间", "Created"),
    "occurred": ("发生时间", "Raised"),
    "mine": ("分配给我的", "Assigned to me"),
    "overdue": ("已逾期", "Overdue"),
    "sort": ("排序", "Sort"),
    "sort_occurred": ("按发生时间", "latest raised"),
    "sort_due": ("按处理时限", "due soonest"),
    "sort_severity": ("按严重程度", "most severe"),
    "reason_needed": ("驳回需填写原因（备注）", "Dismissing needs a reason: write it in the note"),
    "import_time": ("未注明录音时间，按导入时间", "no recording time given: import time"),
    "due": ("处理时限", "Due"),
    "contacts": ("反映次数", "Contacts"),
    "history": ("处理记录", "History"),
    "other_contacts": ("该客户其他来电中的同一问题", "The same problem in the customer's other contacts"),
    "text": ("内容", "Text"),
    "assignee": ("处理人", "Assignee"),
    "total": ("共", "Total"),
    "complaint": ("投诉", "Complaint"),
    "transcript": ("对话记录", "Transcript"),
    "assign_to_me": ("分配给我", "Assign to me"),
    "assign_to": ("分配给", "Assign to"),
    "resolve": ("已解决", "Resolve"),
    "dismiss": ("驳回", "Dismiss"),
    "note": ("备注", "Note"),
    "notes": ("备注记录", "Notes"),
    "fix_tags": ("修正标签", "Fix tags"),
    "sentiment": ("情感", "Sentiment"),
    "not_complaint": ("不是投诉", "Not a complaint"),
    "is_complaint": ("是投诉", "Is a complaint"),
    "save": ("保存", "Save"),
    "play": ("播放", "Play"),
    "timeline": ("客户时间线", "Customer timeline"),
    "sentiment_trend": ("情感趋势", "Sentiment trend"),
    "churn_risk": ("流失风险", "Risk of leaving"),
    "per_branch": ("各网点投诉", "Complaints per branch"),
    "per_category": ("各类别投诉", "Complaints per category"),
    "per_week": ("每周投诉", "Complaints per week"),
    "top_keywords": ("热门关键词", "Top keywords"),
    "at_risk": ("可能流失的客户", "Customers at risk of leaving"),
    "no_results": ("没有结果", "No results"),
    "actor": ("操作人", "Actor"),
    "action": ("操作", "Action"),
    "object": ("对象", "Object"),
    "detail": ("详情", "Detail"),
    "at": ("时间", "At"),
    "wrong_login": ("用户名或密码错误", "Wrong username or password"),
    "no_workspace": (
        "您的角色没有审阅工作台。请使用采集客户端上传录音。",
        "Your role has no review workspace. Upload recordings with the capture agent.",
    ),
    "pii_beeped": ("个人信息已用提示音遮盖", "personal data beeped out"),
    "saved": ("已保存", "Saved"),
    "cancel_intent": ("有销户意图", "cancel intent"),
    "falling": ("情感下降", "falling sentiment"),
    "complaints_n": ("投诉数", "complaints"),
    "interactions": ("互动", "Interactions"),
    "language": ("English", "中文"),
}

LABELS: dict[str, tuple[str, str]] = {
    "new": ("新建", "new"),
    "in_review": ("处理中", "in review"),
    "resolved": ("已解决", "resolved"),
    "dismissed": ("已驳回", "dismissed"),
    # a case's history
    "opened": ("立案", "opened"),
    "contact": ("客户再次反映", "raised again"),
    "reopened": ("重新打开", "reopened"),
    "assigned": ("分配", "assigned"),
    "escalated": ("升级", "escalated"),
    "corrected": ("信息更正", "details corrected"),
    "overdue": ("逾期升级", "overdue"),
    "status": ("状态变更", "status"),
    "category": ("类别更正", "category corrected"),
    "severity": ("严重程度更正", "severity corrected"),
    "low": ("低", "low"),
    "medium": ("中", "medium"),
    "high": ("高", "high"),
    "none": ("无", "none"),
    "fees": ("收费", "fees"),
    "service_attitude": ("服务态度", "service attitude"),
    "waiting_time": ("等候时间", "waiting time"),
    "fraud_security": ("欺诈与安全", "fraud & security"),
    "product_fault": ("产品故障", "product fault"),
    "delivery": ("配送", "delivery"),
    "other": ("其他", "other"),
    "complaint": ("投诉", "complaint"),
    "inquiry": ("咨询", "inquiry"),
    "request": ("办理", "request"),
    "praise": ("表扬", "praise"),
    "suggestion": ("建议", "suggestion"),
    "cancel": ("销户", "cancel"),
    "refund": ("退款", "refund"),
    "pos": ("正面", "positive"),
    "neu": ("中性", "neutral"),
    "neg": ("负面", "negative"),
    "counter": ("柜台", "counter"),
    "field": ("外勤", "field"),
    "call": ("电话", "call"),
    "customer": ("客户", "customer"),
    "staff": ("员工", "staff"),
    "unknown": ("未知", "unknown"),
}


def translator(lang: str) -> tuple[Callable[[str], str], Callable[[str | None], str]]:
    """t(key) for UI text and label(value) for stored values, in `lang`."""
    index = 1 if lang == "en" else 0

    def t(key: str) -> str:
        return _TEXT[key][index]

    def label(value: str | None) -> str:
        return LABELS[value][index] if value in LABELS else (value or "")

    return t, label
