"""User-facing words of the console and the screens, Mandarin first and English second.

One table so the templates and the page scripts say the same thing; the
screens' scripts receive their part as JSON (``SCREEN_TEXT``).
"""

from __future__ import annotations

from flask import request, session

from assistant.dialogue.replies import CATEGORY_NAMES, ROLE_NAMES

LANGS = ("zh", "en")

STATUS_NAMES = {
    "zh": {"new": "新建", "assigned": "已派单", "acknowledged": "已确认", "in_progress": "处理中",
           "en_route": "在路上", "on_site": "已到场", "resolved": "已解决", "closed": "已关闭",
           "cancelled": "已取消"},
    "en": {"new": "new", "assigned": "assigned", "acknowledged": "acknowledged", "in_progress": "in progress",
           "en_route": "on the way", "on_site": "on site", "resolved": "resolved", "closed": "closed",
           "cancelled": "cancelled"},
}

EVENT_NAMES = {
    "zh": {"created": "创建", "assigned": "派单", "notified": "同时通知", "acknowledged": "确认受理",
           "en_route": "出发（在路上）", "on_site": "到场", "resolved": "解决", "closed": "关闭",
           "cancelled": "取消", "reassigned": "转派", "escalated": "超时升级", "feedback": "评价",
           "owner_update": "业主补充"},
    "en": {"created": "created", "assigned": "assigned", "notified": "also notified",
           "acknowledged": "acknowledged", "en_route": "en route", "on_site": "on site", "resolved": "resolved",
           "closed": "closed", "cancelled": "cancelled", "reassigned": "reassigned", "escalated": "escalated",
           "feedback": "feedback", "owner_update": "owner added"},
}

PRIORITY_NAMES = {"zh": {"emergency": "紧急", "repair": "报修", "normal": "一般"},
                  "en": {"emergency": "emergency", "repair": "repair", "normal": "normal"}}

CONSOLE_TEXT = {
    "zh": {
        "app": "管家控制台", "login": "登录", "logout": "退出", "staff_id": "工号", "password": "密码",
        "bad_login": "工号或密码不正确。", "queue": "待办队列", "owners": "业主", "analysis": "每周分析",
        "request": "工单", "category": "类别", "owner": "业主", "unit": "房号", "assignee": "负责人",
        "status": "状态", "deadline": "确认时限", "actions": "操作", "ack": "确认", "start": "出发",
        "arrive": "到场", "resolve": "解决", "reassign": "转派", "cancel": "取消", "empty_queue": "暂无待办。",
        "timeline": "处理记录", "time": "时间", "event": "事件", "actor": "操作人", "detail": "详情",
        "stages": "语音处理各阶段耗时", "stage": "阶段", "duration_ms": "耗时（毫秒）", "said": "业主原话",
        "name": "姓名", "butler": "专属管家", "district": "辖区", "preferences": "偏好", "vehicles": "车辆",
        "family": "家属联系人", "history": "工单记录", "consent": "人脸识别授权", "save": "保存",
        "saved": "已保存。", "key": "项目", "value": "内容", "relation": "关系", "phone": "电话",
        "elderly": "长者", "overdue": "已超时", "stopped": "已确认", "chime_on": "开启提示音",
        "chime_enabled": "提示音已开启", "live": "实时", "offline": "连接中断，正在重连…",
        "week_of": "周起始", "export_csv": "导出 CSV", "by_category": "按类别", "by_day": "按日期",
        "ack_within": "按时确认率", "repair_onsite": "报修到场用时", "top_needs": "各辖区主要需求",
        "longest_waits": "等待最久的业主", "total": "合计", "minutes": "分钟", "median": "中位数",
        "average": "平均", "count": "件数", "wait": "等待", "none": "无", "to_role": "转给岗位",
        "to_staff": "或指定人员", "no_consent": "未记录授权", "lang_switch": "English",
        "all_districts": "全部辖区", "previous_week": "上一周", "next_week": "下一周", "channel": "渠道",
    },
    "en": {
        "app": "Butler console", "login": "Log in", "logout": "Log out", "staff_id": "Staff ID",
        "password": "Password", "bad_login": "Wrong staff ID or password.", "queue": "Queue", "owners": "Owners",
        "analysis": "Weekly analysis", "request": "Request", "category": "Category", "owner": "Owner",
        "unit": "Unit", "assignee": "Assignee", "status": "Status", "deadline": "Ack deadline",
        "actions": "Actions", "ack": "Acknowledge", "start": "En route", "arrive": "On site",
        "resolve": "Resolve", "reassign": "Reassign", "cancel": "Cancel", "empty_queue": "Nothing waiting.",
        "timeline": "Timeline", "time": "Time", "event": "Event", "actor": "By", "detail": "Detail",
        "stages": "Voice pipeline stage timings", "stage": "Stage", "duration_ms": "Duration (ms)",
        "said": "What the owner said", "name": "Name", "butler": "Butler", "district": "District",
        "preferences": "Preferences", "vehicles": "Vehicles", "family": "Family contacts",
        "history": "Request history", "consent": "Face recognition consent", "save": "Save", "saved": "Saved.",
        "key": "Item", "value": "Value", "relation": "Relation", "phone": "Phone", "elderly": "elderly",
        "overdue": "overdue", "stopped": "acknowledged", "chime_on": "Enable chime",
        "chime_enabled": "Chime on", "live": "live", "offline": "Connection lost, reconnecting…",
        "week_of": "Week of", "export_csv": "Export CSV", "by_category": "By category", "by_day": "By day",
        "ack_within": "Acknowledged in time", "repair_onsite": "Repairs: time to on site",
        "top_needs": "Top needs per district", "longest_waits": "Owners who waited longest", "total": "Total",
        "minutes": "min", "median": "median", "average": "average", "count": "count", "wait": "Wait",
        "none": "none", "to_role": "To role", "to_staff": "or a person", "no_consent": "no consent recorded",
        "lang_switch": "中文", "all_districts": "all districts", "previous_week": "Previous week",
        "next_week": "Next week", "channel": "Channel",
    },
}

SCREEN_TEXT = {
    "zh": {
        "greeting_morning": "早上好", "greeting_afternoon": "下午好", "greeting_evening": "晚上好",
        "welcome": "欢迎回家，有什么可以帮您？", "heard": "您说", "assistant": "管家",
        "sos": "紧急求助 SOS", "call_butler": "呼叫管家", "repair": "报修", "parcel": "快递",
        "cleaning": "保洁", "visitor": "访客", "type_here": "也可以在这里打字…", "send": "发送",
        "yes": "是的", "no": "不是", "lang_switch": "English", "my_requests": "我的服务进度",
        "announcements": "物业通知", "sos_sent": "已发出紧急求助，保安和值班经理马上赶到。",
        "butler_called": "已通知您的管家，请稍候。", "not_paired": "此屏幕尚未配对，请联系物业。",
        "offline": "网络中断，正在重连…", "error": "抱歉，出了点问题，请再试一次或按“呼叫管家”。",
        "say_yes": "是的", "say_no": "不是", "handled_by": "负责人", "no_requests": "暂无进行中的服务。",
        "unit": "房号",
        "phrase_repair": "我要报修", "phrase_parcel": "有我的快递吗", "phrase_cleaning": "请派保洁来打扫一下",
        "phrase_visitor": "我要登记访客", "parking": "停车", "bill": "缴费",
        "phrase_parking": "我的车位被别人占了", "phrase_bill": "我要交物业费",
    },
    "en": {
        "greeting_morning": "Good morning", "greeting_afternoon": "Good afternoon",
        "greeting_evening": "Good evening", "welcome": "Welcome home. How can I help?", "heard": "You said",
        "assistant": "Butler", "sos": "SOS emergency", "call_butler": "Call my butler", "repair": "Repair",
        "parcel": "Parcels", "cleaning": "Cleaning", "visitor": "Visitor", "type_here": "Or type here…",
        "send": "Send", "yes": "Yes", "no": "No", "lang_switch": "中文", "my_requests": "My requests",
        "announcements": "Notices", "sos_sent": "Emergency sent. Security and the duty manager are coming now.",
        "butler_called": "Your butler has been told and will contact you.",
        "not_paired": "This screen is not paired yet; please call the property office.",
        "offline": "Connection lost, reconnecting…",
        "error": "Sorry, something went wrong. Please try again or press “Call my butler”.",
        "say_yes": "yes", "say_no": "no", "handled_by": "Handled by", "no_requests": "No open requests.",
        "unit": "Unit",
        "phrase_repair": "I need a repair", "phrase_parcel": "Is there a parcel for me?",
        "phrase_cleaning": "Please send cleaning staff", "phrase_visitor": "I want to register a visitor",
        "parking": "Parking", "bill": "Pay a bill", "phrase_parking": "Someone is parked in my space",
        "phrase_bill": "I want to pay the property fee",
    },
}


STAGE_NAMES = {
    "zh": {"vad": "语音检测 (VAD)", "stt": "语音识别 (STT)", "nlu": "语义理解 (NLU)", "route": "派单",
           "tts": "语音合成 (TTS)", "total": "合计"},
    "en": {"vad": "voice activity (VAD)", "stt": "speech to text (STT)", "nlu": "understanding (NLU)",
           "route": "routing", "tts": "text to speech (TTS)", "total": "total"},
}


def console_lang() -> str:
    """The console's language: ``?lang=`` switches and is remembered in the session; Mandarin by default."""
    wanted = request.args.get("lang")
    if wanted in LANGS:
        session["lang"] = wanted
    lang = session.get("lang", "zh")
    return lang if lang in LANGS else "zh"


def words(lang: str) -> dict[str, dict[str, str]]:
    """Every table in one language, for templates and scripts."""
    return {"ui": CONSOLE_TEXT[lang], "status": STATUS_NAMES[lang], "event": EVENT_NAMES[lang],
            "priority": PRIORITY_NAMES[lang], "category": CATEGORY_NAMES[lang], "role": ROLE_NAMES[lang],
            "stage": STAGE_NAMES[lang]}
