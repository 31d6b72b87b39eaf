"""Visitors found by how owners name them, when the model tags none.

A visitor request without a visitor makes the kiosk ask "请问访客怎么称呼？"
although the owner already said "我舅妈到南门了" or "my in-laws are at the
gate". DIET leaves about one held-out visitor line in six without a visitor
(26 of 156; 8 with this list), yet owners name visitors in a few fixed ways
(nlu/data/README.md): a relation with its possessive and any name (我表弟小刘,
my cousin Li Wei), a name with its title (张先生, Mr Wong), or a role (保姆,
装窗帘的工人, the piano tuner). Used only for visitor requests, where a person
named is the one coming.
"""

from __future__ import annotations

import re

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_ZH_POSSESSIVE = r"(?:我|俺|咱)(?:的|家|们家)?"
_ZH_RELATIONS = (
    "爸妈|父母|老爸|老妈|爸爸|妈妈|爷爷|奶奶|姥姥|姥爷|外公|外婆|公公|婆婆|岳父|岳母|丈母娘|老丈人|"
    "儿子|女儿|闺女|儿媳妇|儿媳|女婿|孙子|孙女|外孙女|外孙|哥哥|姐姐|弟弟|妹妹|姐夫|妹夫|嫂子|弟媳|"
    "表哥|表姐|表弟|表妹|堂哥|堂姐|堂弟|堂妹|舅舅|舅妈|姑姑|姑父|姑妈|姨妈|小姨|姨夫|叔叔|婶婶|伯伯|大伯|"
    "侄子|侄女|外甥女|外甥|亲戚|好朋友|老朋友|朋友|老同学|同学|同事|老乡|干爹|干妈|老姐妹儿?|对象|"
    "男朋友|女朋友|邻居"
)
_ZH_KIN_ONE_CHARACTER = "爸|妈|哥|姐|弟|妹|舅|姨|叔|婶"  # only with a possessive: 我妈, not 妈
_ZH_NAME = rf"(?:小|老)[{_SURNAMES}]|[{_SURNAMES}](?:先生|女士|小姐|阿姨|师傅|老师|医生|律师|大姐|大哥|姐)"
_ZH_ROLES = "保姆|钟点工|家政阿姨|护工|月嫂|家教老师|家教|司机|调音师"
_ZH_WORKERS = (r"(?:送|修|装|搬|换|安装|维修|修理)[\u4e00-\u9fff]{1,4}的(?:师傅|工人|小哥|阿姨|人)"
               r"|(?:(?!的)[\u4e00-\u9fff]){1,4}公司的人")  # a company's name holds no 的: not 找的搬家公司
_ZH_VISITOR = re.compile(
    rf"(?:{_ZH_POSSESSIVE}(?:{_ZH_RELATIONS}|{_ZH_KIN_ONE_CHARACTER})|(?:{_ZH_RELATIONS}))"
    rf"(?:的(?:{_ZH_RELATIONS}|{_ZH_ROLES}))*(?:{_ZH_NAME})?"
    rf"|{_ZH_WORKERS}|{_ZH_ROLES}|{_ZH_NAME}"
)

_EN_RELATIONS = (
    r"mum|mom|mother|father|dad|parents|son|daughter|kids|children|grandson|granddaughter|grandchildren|"
    r"grandkids|grandma|grandpa|grandmother|grandfather|granny|nan|brother|sister|uncle|aunt|auntie|cousin|"
    r"nephew|niece|friends?|in-laws|(?:mother|father|sister|brother|son|daughter)-in-law|wife|husband|"
    r"boyfriend|girlfriend|partner|colleagues?|classmates?|teacher|tutor|nanny|maid|helper|driver|carer|"
    r"caregiver|nurse|relatives?"
)
_EN_ADJECTIVE = r"(?:old |best |elderly |little |younger |older |eldest |youngest |new |dear )?"
_EN_ROLES = (
    r"plumber|electrician|painter|decorators?|movers|removal men|cleaner|photographer|piano tuner|"
    r"delivery (?:man|guy|driver)|technician|locksmith|carpenter|handyman|builders?|workers|contractors?|"
    r"physio|nanny|dog walker|babysitter|housekeeper|caterers?"
)
# A title, then a name: not "miss" or "doctor", which are also a verb and a role ("the doctor is
# coming"), and not a function word after the title ("Dr is here").
_EN_TITLE = (r"(?:mr|mrs|ms|mister|dr|professor)\.? "
             r"(?!(?:is|was|will|and|the|a|to|at|from|who|has|comes?|coming)\b)[a-z]+")
_EN_VISITOR = re.compile(
    rf"\b(?:(?:my|our) {_EN_ADJECTIVE}(?:{_EN_RELATIONS})(?:'s {_EN_ADJECTIVE}(?:{_EN_RELATIONS}|{_EN_ROLES}))*\b"
    rf"(?: (?-i:[A-Z][a-z]+)(?: (?-i:[A-Z][a-z]+))?)?"
    rf"|(?:the|a|an|our|my) (?:{_EN_ROLES})\b|{_EN_TITLE}\b)",
    re.IGNORECASE,
)

# A name given after "叫" / "named": a surname and one given character, or two before a pause.
_NAMED = re.compile(
    rf"(?:叫|名叫|名字叫|名字是)(?P<name>{_ZH_NAME}|[{_SURNAMES}][\u4e00-\u9fff](?:[\u4e00-\u9fff](?=[,，。.!！?？、\s\d]|$))?)"
    r"|\b(?:named|called|(?:his|her|their) name is|(?:his|her) name's) "
    r"(?P<en>(?-i:[A-Z][a-z]+)(?: (?-i:[A-Z][a-z]+))?)",
    re.IGNORECASE,
)


def find_visitor(text: str) -> tuple[str, int, int] | None:
    """(value, start, end) of the visitor named in normalised ``text``, or None.

    A name given outright (叫王丽, "her name is Maria Lopez") tells the desk more than the
    relation before it (有个朋友), so it wins; otherwise the first relation, title or role
    that is not the host being visited (``is_host``).
    """
    named = _NAMED.search(text)
    if named:
        start, end = named.span("name") if named.group("name") else named.span("en")
        if not is_host(text, start, end):
            return text[start:end], start, end
    spans = [(m.start(), m.end()) for pattern in (_ZH_VISITOR, _EN_VISITOR) for m in pattern.finditer(text)
             if not is_host(text, m.start(), m.end())]
    if not spans:
        return None
    start, end = min(spans)
    return text[start:end], start, end


# The person a visitor comes to see, as a visitor at the lobby kiosk names them: "I'm here to see
# my grandma", 我是来看我外婆的, 我找十号楼的周老师, 孙先生约的装窗帘的师傅. The desk must be told
# who is at the door, not whom they visit; with the host dropped the kiosk asks the visitor's name.
# Not the owner's own hire (我找的家政公司) nor an appointment (钢琴老师约的今天10:00).
_HOST_BEFORE = re.compile(
    r"(?:来看|看望|探望|拜访|找)(?:[^，。,！？!?\s]{1,10}的)?\s*$|\b(?:to see|to visit|visiting|here for)\s+$",
    re.IGNORECASE,
)
_HOST_AFTER = re.compile(r"^\s*家?(?:约|请|叫|雇)的(?![\d今明后上下周这])|^\s+(?:booked|asked|sent|hired) (?:me|us)\b",
                         re.IGNORECASE)


def is_host(text: str, start: int, end: int) -> bool:
    """Whether the person named at ``text[start:end]`` is the one being visited, not the visitor."""
    return bool(_HOST_BEFORE.search(text[:start]) or _HOST_AFTER.search(text[end:]))
