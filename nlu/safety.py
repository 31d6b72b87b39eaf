"""Distress lexicon: words that make an utterance an emergency whatever the model says.

Missing an emergency is the worst error Guanjia can make; a false alarm costs a
guard a walk. So the lexicon is broad, and only a few well-known harmless
phrasings are vetoed (a stove that "won't catch fire", a fire *drill*, "what if
there is a fire", a hand wanted to carry boxes), and a term is skipped only in a
clause that tells of the past or of a film, or asks what to do if, and says nothing
of now.
It runs on normalised text (no spaces between Chinese characters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DistressMatch", "find_distress"]

# (emergency_type, pattern). Chinese patterns need no word boundaries.
_ZH_TERMS: tuple[tuple[str, str], ...] = (
    ("fire", r"着火|起火|失火|火灾|火警|烧起来|烧着了|冒烟|浓烟|好多烟|冒火|火花|火光|焦味|烧焦|焦糊|糊味|"
             r"(?:满|一)屋子(?:都是)?烟|(?:全是|都是|满是)烟(?![头灰盒蒂味])|"
             r"(?:插座|插头|电线|电箱|电表箱|电闸|开关|吊灯|灯罩).{0,8}(?:噼啪|啪啪|打火|烧|滋滋|蓝光)|"
             r"(?:漫|淹|流|漏)(?:到|进)?[^，。,]{0,6}(?:电闸|电箱|电表箱|插座)"),
    ("fall", r"摔倒|滑倒|绊倒|从[^，。,]{0,6}(?:床|椅子|凳子|梯子|楼梯)上?(?:掉|摔|滚|跌)下来|"
             r"摔了一跤|摔了一下|摔伤|摔地上|跌倒|跌了一跤|摔在地上|倒在地上|倒地|起不来了|爬不起来"),
    ("unconscious", r"晕倒|一动不动|叫(?:他|她|人)(?:也)?(?:不太应|不应|没反应)|敲门(?:也|都)?(?:不应|没人应|没反应)|"
                    r"昏倒|晕过去|昏过去|昏迷|不省人事|没反应了|叫不醒|没有呼吸|没呼吸|休克|抽搐"),
    ("medical", r"心脏病|心梗|心肌梗|中风|脑梗|喘不上气|喘不过气|呼吸困难|透不过气|上不来气|胸口疼|胸口痛|胸痛|"
                r"心口(?:疼|痛|像针扎)|血[^，。,]{0,4}止不住|头破了|头上(?:全)?是血|哮喘(?:发作|犯了)|煤气中毒|一氧化碳|"
                r"动都动不了|动弹不了|动弹不得|(?:腿|身子|胳膊)动不了|(?:手|胳膊)[^，。,]{0,3}抬不起来|话(?:都|也)?说不(?:利索|清楚?)|"
                r"(?<!把)(?:胳膊|腿|手|脚)[^，。,]{0,3}断了|吃重了|(?:吞|吃)了好几片|"
                r"流血不止|大出血|血流不止|流了好多血|吐血|救护车|打120|叫120|噎住|卡住喉咙|嘴唇发紫|"
                r"触电|漏电|电到人|烫伤|骨折|不能动了|动不了了|站不起来|口齿不清|半边身子|"
                r"吃错药|误服|误吞|药吃多了|手脚发麻|半边发麻|嘴歪|捂着胸口|捂住胸口|喝了.{0,4}(?:农药|消毒液|84)|"
                r"(?:一瓶|整瓶|半瓶|一大把|一把|好多|一板)[^，。？！]{0,4}药[^，。？！]{0,3}(?:吃|吞)|把[^，。？！]{0,10}药都(?:吃|吞)了"),
    ("gas", r"煤气味|(?:燃气|煤气)(?:管|表|阀)[^，。,]{0,8}(?:嘶嘶|漏)|嘶嘶[^，。,]{0,10}(?:漏气|气味)|"
            r"燃气味|天然气味|煤气泄漏|燃气泄漏|漏煤气|漏燃气|漏气了|煤气漏了|燃气漏了|一股煤气|一股燃气"),
    ("trapped", r"被困|困在|困住|关在电梯|卡在电梯|电梯.{0,4}(?:关|困|卡)(?:住|在里面)|出不来|反锁在|被关在|被锁在|"
                r"电梯.{0,10}(?:我在里面|我们在里面|灯也黑|幽闭)|电梯停在半截|电梯卡在[^，。,]{0,6}(?:中间|半截)|电梯里(?:还|都|一直)?(?:关|困|卡)着"),
    ("intruder", r"小偷|有贼|进贼|入室|撬|抢劫|有人闯|陌生人闯|闯进|翻进|翻墙|爬进|坏人|持刀|拿刀|打架|砍人|"
                  r"拿着刀|打起来了|硬要[^，。,]{0,4}闯|往(?:我)?家里闯|家里进了陌生人|顺着水管[^，。,]{0,4}爬|试着开锁|试图开锁|"
                  r"陌生[^，。,]{0,4}(?:男|女|人)[^，。,]{0,6}跟着|"
                  r"非法闯入|鬼鬼祟祟|可疑的人|有人跟踪|拧.{0,6}门把手|家里有(?:个)?陌生人|陌生人在我家"),
    ("missing_person", r"孩子不见了|小孩不见了|孩子丢了|走丢了|找不到(?:孩子|老人|我[爸妈]|老伴)|"
                       r"(?:老人|我[爸妈]|奶奶|爷爷|外婆|外公|姥姥|姥爷|老伴).{0,12}(?:不见了|一直没回来|还没回来)"),
    ("danger", r"(?:站在|爬上|站到)(?:飘窗|楼顶|天台)|快掉下去了|往下跳|一转眼人没了|"
               r"爬到窗台|爬上窗台|站在窗台|要跳楼|想不开|自杀|溺水|淹着了|沉下去|沉到水里|"
               r"掉进(?:水里|泳池|池子|湖里|河里)|(?:孩子|小孩|娃).{0,8}(?:探出|爬上|爬到|翻过|翻出).{0,6}(?:阳台|栏杆|护栏|窗)|"
               r"电梯.{0,10}(?:往下掉|掉下去|急坠|坠落|一下子掉)"),
    ("help", r"救命|救救|(?:先|快|赶紧|赶快|快点)救人|快来人|来人啊|出事了|报警|打110|打119"),
)
_EN_TERMS: tuple[tuple[str, str], ...] = (
    ("fire", r"\bfire\b|\bon fire\b|\bsmoke\b|\bburning\b|\bburnt smell\b|\bflames?\b|\bspark(?:s|ing)?\b|"
             r"\b(?:heater|socket|plug|wires?|cables?|oven|microwave|fan|tv|charger|fuse box|kettle|cooker|hob|"
             r"stove|dryer|washing machine|battery|scooter|meter)\b[^.]{0,30}\bsmoking\b|"
             r"\b(?:sockets?|plugs?|extension lead|light fitting|lamp|fuse box|wires?)\b[^.]{0,40}"
             r"\b(?:buzzing|crackling|fizzing|under water|in the water)\b|"
             r"\bsmell(?:s|ing)? (?:of |like )?(?:hot|melting|burning) (?:plastic|rubber|wires?)\b"),
    ("fall", r"\bfallen\b|\bfell\b|\bfall(?:s|ing)? down\b|\bcan'?t get up\b|\bcannot get up\b|\bhad a fall\b|"
             r"\bgone down on the\b|\bslipped\b[^.]{0,40}\b(?:lying|head|can'?t get up)\b"),
    ("unconscious", r"\bunconscious\b|\b(?:lying|floating|slumped)\b[^.]{0,40}\b(?:not|isn'?t) (?:moving|answering)\b|"
                    r"\blying\b[^.]{0,30}\b(?:moaning|bleeding|blood)\b|\bwon'?t answer me\b|\bgone (?:all )?floppy\b|"
                    r"\bpassed out\b|\bfainted\b|\bcollapsed\b|\bnot breathing\b|\bseizure\b|"
                    r"\b(?:won'?t|can'?t|cannot|doesn'?t|does not|will not) wake (?:up|him|her)\b|"
                    r"\blips? (?:are |is |have gone |has gone |turned |going )?(?:blue|purple)\b"),
    ("medical", r"\bheart attack\b|\bstroke\b|\bchest pains?\b|\bcan'?t breathe\b|\bcannot breathe\b|"
                r"\bbleeding\b|\bambulance\b|\bchoking\b|\boverdose\b|\belectric shock\b|\belectrocuted\b|"
                r"\bunresponsive\b|\bchest is (?:so |very )?tight\b|\bface is drooping\b|"
                r"\b(?:throat|face|tongue|lips?|mouth)\b[^.]{0,15}\bswell(?:ing|ed|s)?\b|"
                r"\bskin is peeling\b|\bhit (?:his|her|my) head\b|\bhead hit\b|\bthere'?s blood\b|\bcarbon monoxide\b|"
                r"\btoo many (?:of (?:my|his|her) )?(?:sleeping )?(?:pills|tablets)\b|"
                r"\b(?:ate|eat|eaten|swallowed|took|taken) (?:so |too )?"
                r"(?:many|a lot of|lots of|a handful of) (?:[\w']+ )?(?:pills?|tablets?)\b|"
                r"\bcan'?t lift (?:his|her|my) (?:right |left )?arm\b|\ballergic reaction\b|\bcan'?t move\b|"
                r"\bbroken (?:leg|arm|hip)\b|"
                r"\bswallowed\b|\b(?:took|taken|ate)\b[^.]{0,20}\b(?:pills?|tablets?|medicine|medication)\b[^.]{0,20}"
                r"\b(?:by mistake|twice)\b|"
                r"\b(?:wrong|double) (?:pills?|tablets?|medicine|dose)\b|\bpoison|\bheart(?:'s| is)? racing\b|"
                r"\b(?:arm|leg|face|hand)(?:'s| has| is)? (?:gone )?numb\b|\bslurr|"
                r"\b(?:drank|drunk|swallowed|ate)\b[^.]{0,15}\b(?:bleach|detergent|cleaning fluid|pesticide)\b|"
                r"\bblood everywhere\b|\b(?:clutching|holding|grabbing|gripping) (?:his|her|my) (?:left arm|chest)\b|"
                r"\b(?:he|she|i|they)(?:'s| is|'m| am|'re| are)? (?:going to die|dying)\b|"
                r"\bthinks? (?:he|she|i)(?:'s| is|'m| am) (?:going to die|dying)\b"),
    ("gas", r"\bgas leak\b|\breeks? of gas\b|\bleaking gas\b|\bsmells? (?:of |like )?gas\b|\bsmell(?:ing)? gas\b|"
            r"\bgas smell\b|\bsmel(?:t|led) (?:of )?gas\b|"
            r"\brotten eggs?\b"),
    ("trapped", r"\btrapped\b|\bstuck in (?:the |a )?(?:lift|elevator|room|bathroom|toilet)\b|\bstuck inside\b|"
                r"\bi'?m stuck\b|\blocked (?:inside|in) (?:a|the|his|her|my) car\b|\blocked (?:him|her)self in\b|"
                r"\b(?:i'?m|we'?re|i am|we are) inside the (?:lift|elevator)\b|\bwe'?re stuck\b|\blocked in\b|"
                r"\bcan'?t get out\b|\bcannot get out\b|"
                r"\b(?:lift|elevator)\b[^.]{0,40}\b(?:i am|i'?m|we are|we'?re) (?:inside|in it|in here)\b|"
                r"\b(?:lift|elevator)\b[^.]{0,30}\b(?:stopped|stuck|jammed|broke down|broken down)\b[^.]{0,50}"
                r"\b(?:inside|in it|in there)\b"),
    ("intruder", r"\bintruder\b|\b(?:with|has|holding|waving|got) a knife\b|\bbroken into\b|\bbreak into\b|"
                 r"\bfollow(?:ed|ing) (?:me|women)\b|"
                 r"\btrying (?:every|the) door(?: handle)?s?\b|\bcutting the lock\b|\bcrowbar\b|\bscreaming for help\b|"
                 r"\bfighting\b[^.]{0,30}\b(?:on the ground|blood|knife)\b|\bburglar\b|\bbreak-?in\b|"
                 r"\bbreaking in(?:to)?\b|\bbroke in(?:to)?\b|"
                 r"\brobbery\b|\bthief\b|\bsuspicious (?:man|woman|person|guy|people)\b|\bstranger in\b|"
                 r"\btrying to (?:open|get into|force) (?:my|our|the) (?:door|flat|apartment)\b|"
                 r"\bdoor(?:'s| has| was)? been forced\b|\bforced (?:open )?(?:my|our|the) door\b|"
                 r"\bstranger\b[^.]{0,30}\b(?:in|inside|around) (?:my|our|the) (?:flat|apartment|home|house|"
                 r"living room|bedroom|kitchen)\b|"
                 r"\b(?:kicking|banging on|smashing) (?:my|our|the) (?:front )?door\b[^.]{0,40}\b(?:hurt|kill)\b|"
                 r"\bthreaten(?:s|ed|ing)? to (?:hurt|kill|stab|hit)\b|\blurking\b|"
                 r"\b(?:peering|peeping|looking) into (?:people'?s |our |my |the )?(?:flats|windows|homes|houses)\b|"
                 r"\b(?:camera|cctv)\b[^.]{0,30}\b(?:someone|somebody|a man|a woman|a stranger|a person|people)\b"
                 r"[^.]{0,40}\b(?:inside|in (?:my|our|the) (?:flat|apartment|home|house|bedroom|living room|kitchen)"
                 r"|going through|walking around)"),
    ("missing_person", r"\b(?:child|kid|son|daughter|grandson|granddaughter|grandma|grandpa|grandmother|"
                       r"grandfather|mother|father|mum|mom|dad|husband|wife) (?:is|has gone) missing\b|"
                       r"\bcan'?t find my (?:child|kid|son|daughter|grandson|granddaughter)\b|"
                       r"\bcan'?t (?:find|see) (?:him|her) anywhere\b|"
                       r"\b(?:child|kid|son|daughter|grandma|grandpa|grandmother|grandfather|mother|father|mum|mom|"
                       r"dad|husband|wife)\b[^.]{0,40}\b(?:not come back|hasn'?t come back|didn'?t come back|"
                       r"never came back|wandered off|got lost)\b|"
                       r"\b(?:mum|mom|mother|dad|father|grandma|grandpa|grandmother|grandfather|husband|wife)"
                       r"(?:'s| is| isn'?t| is not| has not| hasn'?t)? (?:been )?(?:not )?answering (?:her |his )?"
                       r"(?:phone|door|calls)\b"),
    ("danger", r"\b(?:on|onto|standing on|sitting on|climbed (?:on|onto|out on))\b (?:the |a )?(?:window )?ledge\b|"
               r"\bsuicid|\bkill (?:him|her)self\b|\b(?:wants?|going|threatening) to jump\b|\bdrowning\b|"
               r"\bface ?down in (?:the )?(?:pool|water|pond|bath)\b"),
    ("help", r"^\W*help\W*(?:help\W*)*$|\bhelp me\W*$|\bsomebody help\b|\bsomeone help\b|\bplease help\W*$|"
             r"\bcall (?:the )?police\b|\bcall 911\b|\bemergency\b"),
)
# (emergency_type, term, context): the term counts only when the context is said too, anywhere in
# the utterance. Flickering lights are a repair, water through the ceiling is a repair; both at
# once is the flood-with-electricity emergency.
_WATER_ZH = r"哗哗|往下(?:灌|淌|冲|浇|流)|灌进来|冲进来|漏(?:得|的)很(?:厉害|凶)|水漫"
_WATER_EN = r"\b(?:pouring|gushing|streaming|flooding|pissing) (?:in|down|through|out)\b|\bwaterfall\b"
_ZH_COMPOUND: tuple[tuple[str, str, str], ...] = (
    ("electric_flood", r"(?:灯|插座|开关|电线|电闸|电箱)[^，。,]{0,6}(?:闪|滋|冒|噼啪|啪)|不敢碰(?:开关|插座|电)",
     _WATER_ZH),
)
_EN_COMPOUND: tuple[tuple[str, str, str], ...] = (
    ("electric_flood", r"\b(?:lights?|lamps?|sockets?|switch(?:es)?|fuse box|wires?)\b[^.]{0,30}"
                       r"\b(?:flicker|spark|buzz|crackl|fizz)\w*|\bscared to touch the (?:switch|socket|lights?)\b",
     _WATER_EN),
)
# Phrases that contain a term but are not distress.
_ZH_VETOES = re.compile(
    r"打不着火|点不着火|打不着|点不着|不着火|没着火|打火打不着|"
    r"消防演练|消防演习|火灾演练|消防检查|消防通道|"
    r"不冒烟|没冒烟|"
    r"差点摔倒|差一点摔倒|差点滑倒|"
    r"烟感|烟雾报警器[^，。,]{0,8}(?:没电|换电池|滴)|"
    r"(?:有|得了|患有|得过)心脏病|心脏病史|心脏病的?药|中风(?:以后|后|过)|"
    r"(?:找|叫|帮我|请|能不能)(?:个|人|师傅)*撬锁|车?胎漏气|轮胎漏气|"
    r"报警器.{0,4}(?:没电|换电池)|"
    r"车.{0,3}出不来|车开不出来|取不出来|拿不出来|打不出来|查不出来|说不出来|看不出来|想不出来|"
    r"撬棍|不撬|(?:钥匙|手机|东西|卡|包|车)被(?:关|锁)在|(?:关|锁)在(?:门外|外面|外头|楼下)|"
    r"火花塞|糊味儿?.{0,4}(?:菜|饭|锅)|车.{0,6}打着火|不用叫救护车|不用打120|"
    r"(?:门锁|密码|按钮|按键|面板|屏幕|遥控器?|门禁|刷卡|电视|空调|手机|电脑|机器|开关)[^，。,]{0,6}没反应|"
    r"(?:如果|万一|要是|假如)(?:发生)?(?:着火|火灾|起火)|火警.{0,6}(?:误报|乱响|无缘无故)|"
    r"(?:时候|还不|还没|咋不|怎么不|怎么还不)来人啊"
)
_BURNER = r"(?:stove|hob|cooker|burner|boiler|oven|pilot)"
_EN_VETOES = re.compile(
    r"\bfire (?:drill|safety|inspection|exit|door|extinguisher check|lane|hydrant|escape)s?\b|\bfireworks?\b|"
    r"\bsmoke (?:detector|alarm)s?\b[^.]{0,60}\b(?:batter(?:y|ies)|beep|chirp)|\bno smoking\b|"
    r"\bcigarette smoke\b|\bcease-?fire\b|\balmost fell\b|\bnearly fell\b|\bfell asleep\b|"
    r"\bemergency (?:exit|number|contact|light)s?\b|\bstroke of\b|\bsparkling\b|"
    r"\b(?:car|park(?:ed|ing)|van|garage)\b[^.]{0,60}\b(?:can'?t|cannot) get out\b|"
    r"\bstuck (?:overseas|abroad|on a call|in (?:the )?(?:queue|traffic)|at (?:work|the (?:garage|gate|exit|barrier)))|"
    r"\b(?:parcel|package|card|key|coin)s? (?:is |are |got )?stuck inside\b|\b(?:no need for|not) an ambulance\b|"
    r"\b(?:nobody|no one|no-one)(?: is| was|'s)? (?:inside|in it|in there)\b|"
    r"\bcan'?t get out (?:today|tonight|this (?:week|morning|afternoon|evening)|much|these days|at the moment|"
    r"to the (?:shops?|supermarket|market))\b|"
    # Idioms and questions about what to do if: no fire, no fall.
    r"\bfell (?:through|in love|behind|apart|out with)\b|\bfire[sd]? up\b|"
    r"\bif (?:there'?s |there is )?(?:a |the )?fire\b|\bin (?:the )?case of (?:a )?fire\b|"
    r"\b(?:if|when|whenever) the (?:fire|smoke) alarm (?:goes|rings|sounds)\b|"
    r"\b(?:fire|smoke) alarms?\b[^.]{0,60}\b(?:for no reason|false alarms?)\b|"
    r"\b(?:there'?s|there is|but|it'?s) no (?:fire|smoke)\b|"
    # A cooker's flame described as weak or yellow is a burner to service, not a fire.
    rf"\b(?:{_BURNER}|gas)(?:'s)? flames? (?:\w+ ){{0,3}}(?:weak|low|small|tiny|yellow|orange|uneven|unsteady|lazy)\b|"
    rf"\b{_BURNER}\b[^.,]{{0,30}}\b(?:weak|low|yellow|orange|uneven|lazy)(?: \w+)? flames?\b|"
    # Asking for a hand with a task, not crying for help.
    r"\b(?:some(?:one|body)|any(?:one|body))(?: (?:come|pop|run)(?: (?:up|down|over|round|by))?(?: and| to)?)? "
    r"help (?:me |us )?(?:to )?(?:move|carry|bring|take|sort|measure|find|install|fix|set up|hang|put|"
    r"book|order|pick up|clean|change|replace|get (?:it|them|this|that|these|those|(?:the|my|our) \w+) "
    r"(?:up|down|upstairs|downstairs|in|out|home))\b|"
    r"\bstuck (?:outside (?:the |my |our )?(?:gate|door|building|garage|barrier|entrance)|in front of)\b",
    re.I,
)
# A distress word in a clause about the past or about a film or the news, with nothing in the clause
# that says now, is a story ("when my father collapsed last month your guards took twenty minutes"),
# not an emergency. A clause ends at sentence punctuation or a comma, so a story followed by "and now
# he has fallen again" still counts, and so does one that goes on into the present ("fell last week
# and can't get up since"). The past is a named week, month or year, never "the other day".
_NOT_NOW = re.compile(
    r"上个?月|上个?星期|上个?礼拜|上周|上回|上次|去年|前年|那年|那回|那次|"
    r"(?:几|两|三|四|五|好几|半)个?(?:月|年|星期|礼拜)(?:以)?前|"
    r"电视里|电视上|电影里|新闻里|新闻上|剧里|片子里|小说里|游戏里|"
    r"\blast (?:week|month|year|time|winter|summer|spring|autumn|christmas|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b|\b(?:weeks|months|years|a (?:week|month|year)) ago\b|"
    r"\bback in (?:\d{4}|the day|my day)\b|"
    r"\bin (?:january|february|march|april|june|july|august|september|october|november|december)\b|"
    r"\b(?:in|on) (?:the |that |this )?(?:film|movie|news|series|novel|programme|program)\b|\bon (?:tv|telly)\b",
    re.I,
)
_NOW = re.compile(
    r"现在|又|还在|还是|一直|到现在|刚才|刚刚|正在|今天|今晚|此刻|"
    r"\b(?:now|again|still|since|at the moment|currently|today|tonight|this (?:morning|afternoon|evening)|"
    r"can'?t|cannot|won'?t|isn'?t|is not)\b",
    re.I,
)
# A question about what to do if it happens ("if someone falls in the garden, who do I call",
# 要是有人在花园里摔倒了应该打哪个电话) is a question, not a call for help.
_IF = re.compile(r"\b(?:if|in case)\b|万一|要是|如果|假如", re.I)
_QUESTION = re.compile(r"[?？]|\b(?:what|who|where|how|should|which)\b|怎么|应该|哪|吗|什么|谁", re.I)
_CLAUSE_END = re.compile(r"[。！？；，,;!?\n]|\.(?:\s|$)")

_ZH = [(kind, re.compile(pattern)) for kind, pattern in _ZH_TERMS]
_EN = [(kind, re.compile(pattern, re.I)) for kind, pattern in _EN_TERMS]
_COMPOUND = [(kind, re.compile(term), re.compile(context)) for kind, term, context in _ZH_COMPOUND] + [
    (kind, re.compile(term, re.I), re.compile(context, re.I)) for kind, term, context in _EN_COMPOUND]


@dataclass(frozen=True, slots=True)
class DistressMatch:
    """The first distress term found: what it suggests and where it is."""

    emergency_type: str
    term: str
    start: int
    end: int


def find_distress(text: str) -> DistressMatch | None:
    """Return the first distress term in normalised ``text``, or ``None``.

    Vetoed phrases are blanked out first, so "燃气灶打不着火" is not a fire but
    "打不着火，还有一股煤气味" still is a gas emergency.
    """
    masked = _ZH_VETOES.sub(lambda m: "\0" * len(m.group()), text)
    masked = _EN_VETOES.sub(lambda m: "\0" * len(m.group()), masked)
    found: list[DistressMatch] = []
    for kind, pattern in (*_ZH, *_EN):
        match = next((m for m in pattern.finditer(masked) if _said_of_now(masked, m.start(), m.end())), None)
        if match:
            found.append(DistressMatch(kind, text[match.start() : match.end()], *match.span()))
    for kind, term, context in _COMPOUND:
        match = term.search(masked)
        if match and context.search(masked):
            found.append(DistressMatch(kind, text[match.start() : match.end()], *match.span()))
    return min(found, key=lambda d: d.start) if found else None


def _said_of_now(text: str, start: int, end: int) -> bool:
    """False when the clause holding ``text[start:end]`` tells of the past or a film, or asks what if, and not now."""
    begin = max((m.end() for m in _CLAUSE_END.finditer(text, 0, start)), default=0)
    after = _CLAUSE_END.search(text, end)
    clause = text[begin : after.start() if after else len(text)]
    if _NOW.search(clause):
        return True
    return not _NOT_NOW.search(clause) and not (_IF.search(clause) and _QUESTION.search(clause))
