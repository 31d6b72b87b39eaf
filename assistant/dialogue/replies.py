"""Every sentence the assistant says, in Mandarin and English.

Short, polite, one idea per sentence. Elderly owners get the ``short`` variant
where one exists (fewer words, same meaning) and a ``slow`` hint for TTS.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLE_NAMES = {
    "zh": {"butler": "管家", "engineering": "工程部", "security": "保安", "cleaning": "保洁",
           "concierge": "前台", "health_butler": "健康管家", "duty_manager": "值班经理",
           "estate_manager": "物业经理"},
    "en": {"butler": "your butler", "engineering": "engineering", "security": "security",
           "cleaning": "cleaning staff", "concierge": "the front desk",
           "health_butler": "the health butler", "duty_manager": "the duty manager",
           "estate_manager": "the estate manager"},
}

CATEGORY_NAMES = {
    "zh": {"repair_request": "报修", "emergency": "紧急求助", "cleaning_request": "保洁",
           "parcel_service": "快递", "visitor_access": "访客登记", "parking": "停车",
           "bill_payment": "代缴费用", "errand": "代买代办", "complaint": "投诉",
           "activity_booking": "活动预约", "home_watch": "房屋代管", "health_service": "健康服务",
           "call_butler": "找管家", "request_status": "查进度", "faq": "咨询"},
    "en": {"repair_request": "a repair", "emergency": "an emergency", "cleaning_request": "cleaning",
           "parcel_service": "parcels", "visitor_access": "a visitor", "parking": "parking",
           "bill_payment": "paying a bill", "errand": "an errand", "complaint": "a complaint",
           "activity_booking": "a booking", "home_watch": "looking after your home",
           "health_service": "health service", "call_butler": "talking to your butler",
           "request_status": "a request's progress", "faq": "a question"},
}

# A request's kind as a noun before "request" ("Your bill payment request ..."); Mandarin uses CATEGORY_NAMES.
REQUEST_NOUNS_EN = {"repair_request": "repair", "emergency": "emergency", "cleaning_request": "cleaning",
                    "parcel_service": "parcel", "visitor_access": "visitor", "parking": "parking",
                    "bill_payment": "bill payment", "errand": "errand", "complaint": "complaint",
                    "activity_booking": "booking", "home_watch": "home watch", "health_service": "health service",
                    "call_butler": "butler"}

# What we will do, as read back before dispatching ("我{action}").
ACTIONS = {
    "zh": {"repair_request": "请工程部师傅上门维修", "cleaning_request": "安排保洁来清理",
           "parcel_service": "请前台帮您处理快递", "visitor_access": "通知前台为访客登记放行",
           "parking": "请保安处理停车问题", "bill_payment": "请管家帮您代缴费用",
           "errand": "请管家帮您代买代办", "complaint": "把您的意见转给管家和值班经理",
           "activity_booking": "请管家帮您预约", "home_watch": "请管家帮您照看房屋",
           "health_service": "请健康管家联系您", "call_butler": "请管家联系您"},
    "en": {"repair_request": "send an engineer to fix it", "cleaning_request": "send cleaning staff",
           "parcel_service": "ask the front desk to handle your parcel",
           "visitor_access": "ask the front desk to register and let your visitor in",
           "parking": "ask security to sort out the parking", "bill_payment": "ask your butler to pay it",
           "errand": "ask your butler to take care of it",
           "complaint": "pass your complaint to your butler and the duty manager",
           "activity_booking": "ask your butler to book it", "home_watch": "ask your butler to look after your home",
           "health_service": "ask the health butler to contact you", "call_butler": "ask your butler to contact you"},
}

SLOT_QUESTIONS = {
    "zh": {"facility": "请问是什么东西坏了？", "unit": "请问您住几栋几号？比如三栋一二零一。",
           "bill_type": "请问交哪一项？水费、电费、燃气费，还是物业费？",
           "item": "请问需要帮您买什么，或者办什么事？", "visitor_name": "请问访客怎么称呼？",
           "activity": "请问您想预约什么活动或场地？"},
    "en": {"facility": "What is broken, please?", "unit": "Which flat are you in? For example 3-1201.",
           "bill_type": "Which bill: water, electricity, gas or the property fee?",
           "item": "What would you like us to get or do for you?",
           "visitor_name": "May I have the visitor's name, please?",
           "activity": "Which activity or place would you like to book?"},
}


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    lang: str
    slow: bool = False

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "lang": self.lang, "slow": self.slow}


_TEXTS: dict[str, dict[str, str]] = {
    "greet": {"zh": "您好，我是管家助手。请问有什么可以帮您？",
              "en": "Hello, I'm your butler assistant. How can I help?"},
    "greet_named": {"zh": "{name}，您好。请问有什么可以帮您？", "en": "Hello, {name}. How can I help?"},
    "anything_else": {"zh": "请问还有什么可以帮您？", "en": "Is there anything else I can do?"},
    "thank": {"zh": "不客气，有事随时叫我。", "en": "You're welcome. Call me any time."},
    "goodbye": {"zh": "好的，再见，祝您生活愉快。", "en": "Goodbye, have a nice day."},
    "how_can_i_help": {"zh": "请问有什么可以帮您？", "en": "How can I help you?"},
    "off_topic": {"zh": "抱歉，这个我帮不上忙。我可以帮您报修、叫保洁、查快递、登记访客，或者找管家。",
                  "en": "Sorry, I can't help with that. I can report a repair, book cleaning, check parcels, "
                        "register a visitor or call your butler."},
    "off_topic_short": {"zh": "这个我帮不上忙。您可以说“报修”，或者“找管家”。",
                        "en": "I can't help with that. You can say \"repair\" or \"call my butler\"."},
    "clock": {"zh": "今天是{month}月{day}日，{weekday}，现在是{period}{hour}点{minute}。",
              "en": "Today is {weekday_en}, {day} {month_en}. It is {time_en} now."},
    "not_understood": {"zh": "抱歉，我没听清楚。请您再说一遍，好吗？",
                       "en": "Sorry, I didn't catch that. Could you say it again?"},
    "handoff": {"zh": "我帮您联系{who}，请稍等，马上有人和您联系。",
                "en": "I'm putting you through to {who}. Someone will contact you shortly."},
    "clarify": {"zh": "请问您是要{a}，还是{b}？", "en": "Is this about {a}, or {b}?"},
    "readback": {"zh": "您是说“{what}”，{where}我{action}，对吗？",
                 "en": "You said \"{what}\". {where}I'll {action}. Is that right?"},
    "readback_short": {"zh": "“{what}”，{where}我{action}，对吗？",
                       "en": "\"{what}\". {where}I'll {action}. Right?"},
    "where": {"zh": "地址是{unit}，", "en": "For flat {unit}, "},
    "and_then": {"zh": "还有，", "en": " Next: "},
    "not_this_one": {"zh": "好的，这件先不办。", "en": "All right, not that one."},
    "confirm_yes_no": {"zh": "请说“对”或者“不对”。", "en": "Please say yes or no."},
    "dispatched": {"zh": "好的，已通知{who}，{eta}。", "en": "Done. I've told {who}; {eta}."},
    "eta": {"zh": "会在{minutes}分钟内联系您", "en": "they will contact you within {minutes} minutes"},
    "emergency": {"zh": "已通知保安和值班经理，马上有人过来。请待在原地，保持冷静。",
                  "en": "Security and the duty manager are on their way now. Please stay where you are."},
    "emergency_again": {"zh": "保安已经在路上了，您说的我已经转告他们。请别动，别着急。",
                        "en": "Security is already on the way, and I've passed on what you said. "
                              "Please stay where you are."},
    "emergency_short": {"zh": "已经叫保安了，马上就到。请别动，别着急。",
                        "en": "Security is on the way. Please stay where you are."},
    "denied": {"zh": "好的，请您再说一下需要什么帮助。", "en": "All right. Please tell me again what you need."},
    "cancelled": {"zh": "好的，已为您取消。", "en": "OK, I've cancelled it."},
    "cancelled_request": {"zh": "好的，刚才的请求已为您取消。", "en": "OK, I've cancelled your request."},
    "parcels_none": {"zh": "前台现在没有您的快递。", "en": "There are no parcels for you at the front desk right now."},
    "parcels_offer": {"zh": "要给您送上门吗？", "en": "Shall we bring them up to you?"},
    "parcel_offer": {"zh": "要给您送上门吗？", "en": "Shall we bring it up to you?"},
    "parcels_bring_up": {"zh": "请送上门", "en": "please bring them up"},
    "parcels_collect": {"zh": "好的，您随时可以到前台领取。",
                        "en": "All right. You can collect them at the front desk any time."},
    "nothing_to_cancel": {"zh": "好的。请问还有什么可以帮您？", "en": "OK. Anything else I can do?"},
    "cancel_offer": {"zh": "您是要取消“{what}”吗？", "en": "Shall I cancel \"{what}\"?"},
    "cancel_offer_short": {"zh": "取消“{what}”，对吗？", "en": "Cancel \"{what}\"?"},
    "cancel_offer_named": {"zh": "您是要取消{what}吗？", "en": "Shall I cancel {what}?"},
    "cancel_offer_named_short": {"zh": "取消{what}，对吗？", "en": "Cancel {what}?"},
    "request_named": {"zh": "{value}的{noun}", "en": "your {noun} request for {article}{value}"},
    "not_cancelled": {"zh": "好的，不取消，我们继续为您处理。",
                      "en": "All right, I won't cancel it. It is still being handled."},
    "nothing_open": {"zh": "您目前没有可以取消的请求。", "en": "You have no open requests to cancel."},
    "nothing_open_of": {"zh": "您没有正在处理的{category}请求。", "en": "You have no open {category} request."},
    "emergency_stays": {"zh": "紧急求助不能在这里取消，保安会来确认您平安。",
                        "en": "An emergency call can't be cancelled here. "
                              "Security will come to make sure you are safe."},
    "nothing_to_repeat": {"zh": "请问有什么可以帮您？", "en": "How can I help you?"},
    "faq_passed_on": {"zh": "您的问题我已经一并转给{who}，联系您时会告诉您。",
                      "en": "I've passed your question on to {who} with your request; they'll answer it when "
                            "they contact you."},
    "faq_unknown": {"zh": "这个问题我还答不上来，我请管家稍后告诉您。",
                    "en": "I don't know that yet; I'll ask your butler to get back to you."},
    "status_none": {"zh": "您目前没有正在处理的请求。", "en": "You have no open requests at the moment."},
    "status_none_about": {"zh": "我没有找到您关于{what}的请求。",
                          "en": "I can't find a request of yours about the {what}."},
    "timeout": {"zh": "刚才的对话已超时，请重新说一下您的需要。",
                "en": "Our conversation timed out. Please tell me again what you need."},
}

STATUS_PHRASES = {
    "zh": {"assigned": "{category}已通知{who}，正在等待确认。",
           "assigned_due": "{category}已通知{who}，{minutes}分钟内会联系您。",
           "escalated": "您的{category}还没有人确认，已经转给{who}，{minutes}分钟内会联系您。",
           "acknowledged": "{who}已确认，正在安排。",
           "en_route": "{who}已确认，正在路上。",
           "on_site": "{who}已经到了。",
           "resolved": "{category}已经处理完了。",
           "closed": "{category}已经处理完了。",
           "cancelled": "{category}已经取消了。"},
    "en": {"assigned": "Your {category} request is with {who}, waiting to be confirmed.",
           "assigned_due": "Your {category} request is with {who}; they will contact you within {minutes} minutes.",
           "escalated": "Nobody had confirmed your {category} request, so it has gone to {who}; "
                        "they will contact you within {minutes} minutes.",
           "acknowledged": "{who} has confirmed and is arranging it.",
           "en_route": "{who} has confirmed and is on the way.",
           "on_site": "{who} is there now.",
           "resolved": "Your {category} request has been dealt with.",
           "closed": "Your {category} request has been dealt with.",
           "cancelled": "Your {category} request was cancelled."},
}
STATUS_WHO_ZH = {"engineering": "工程师", "security": "保安", "cleaning": "保洁员", "concierge": "前台",
                 "butler": "管家", "health_butler": "健康管家", "duty_manager": "值班经理",
                 "estate_manager": "物业经理"}


def say(key: str, lang: str, **values: object) -> str:
    """The sentence ``key`` in ``lang`` (``zh`` when the language is unknown)."""
    texts = _TEXTS[key]
    return texts.get(lang, texts["zh"]).format(**values)


def role_name(role: str, lang: str, staff_name: str | None = None) -> str:
    """``管家王军`` / ``your butler Wang Jun``: the role, with the person when known."""
    base = ROLE_NAMES.get(lang, ROLE_NAMES["zh"]).get(role, role)
    if not staff_name:
        return base
    return f"{base}{staff_name}" if lang == "zh" else f"{base} {staff_name}"
