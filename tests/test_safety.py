"""The distress lexicon forces emergencies; a few harmless phrasings are vetoed."""

import pytest

from nlu.normalise import normalise
from nlu.safety import find_distress


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("厨房着火了", "fire"),
        ("楼道里好多烟 是不是 起火 了", "fire"),
        ("我妈摔倒了起不来", "fall"),
        ("我 老伴 晕倒 了", "unconscious"),
        ("客厅一股煤气味", "gas"),
        ("我 被 困 在 电梯 里 了", "trapped"),
        ("我被关在阳台上了，门从里面锁上了", "trapped"),
        ("老伴被锁在卫生间里了", "trapped"),
        ("救命", "help"),
        ("快来人啊", "help"),
        ("有小偷在撬门", "intruder"),
        ("我爸心脏病犯了", "medical"),
        ("燃气灶打不着火，还有一股煤气味", "gas"),
        ("help", "help"),
        ("Help! Help!", "help"),
        ("there is a fire in my kitchen", "fire"),
        ("my father has fallen and can't get up", "fall"),
        ("I smell gas in the flat", "gas"),
        ("we are stuck in the lift", "trapped"),
        ("please call an ambulance", "medical"),
        ("my little boy swallowed a battery", "medical"),
        ("dad took his sleeping pills twice by mistake", "medical"),
        ("my wife's face has gone numb on one side", "medical"),
        ("奶奶下午出去买菜到现在还没回来", "missing_person"),
        ("my husband has dementia and he wandered off an hour ago", "missing_person"),
        ("someone forced the door and there's a stranger in my bedroom", "intruder"),
        ("厨房插座一直噼啪响还有火星", "fire"),
        ("电梯停了 我在里面", "trapped"),
        ("the elevator stopped between floors and we're inside", "trapped"),
        ("a child is sitting on the window ledge on the 9th floor", "danger"),
        ("the heater in the bedroom is smoking", "fire"),
        ("there's a cable sparking on the wet pavement", "fire"),
        ("it smells like rotten eggs in my kitchen", "gas"),
        ("my husband won't wake up and his lips are blue", "unconscious"),
        ("my toddler drank from the bleach bottle", "medical"),
        ("a man on the roof says he wants to jump", "danger"),
        ("there is a kid face down in the pool", "danger"),
        ("he keeps kicking our door and says he'll hurt me", "intruder"),
        ("我妈在电梯里捂着胸口说不出话", "medical"),
        ("小孩 在 泳池 里 沉下去 了", "danger"),
        ("我家孩子半个身子探出阳台了", "danger"),
        ("电梯刚才一下子掉下去好几层", "danger"),
        ("he's holding his left arm and says he thinks he's going to die", "medical"),
        ("a man is lurking in the garden looking into people's windows", "intruder"),
        ("the elevator stopped between floors and there's an old man inside", "trapped"),
        ("my mum isn't answering her phone or the door and she lives alone", "missing_person"),
        ("孙子把我一整瓶降压药都吃了", "medical"),
        ("老伴把抽屉里的安眠药都吞了", "medical"),
        ("we're on holiday and the home camera shows someone walking around the living room", "intruder"),
    ],
)
def test_distress_is_found(text: str, kind: str) -> None:
    match = find_distress(normalise(text).text)
    assert match is not None, text
    assert match.emergency_type == kind


@pytest.mark.parametrize(
    "text",
    [
        "燃气灶打不着火",
        "消防演练是哪天",
        "电梯坏了麻烦修一下",
        "差点摔倒 地太滑了 拖一下",
        "我爸有心脏病，想约个医生复查",
        "can you help me pay my water bill",
        "when is the fire drill",
        "where is the emergency exit",
        "my neighbour keeps smoking on the balcony",
        "我的车被堵住出不去了",
        "cars keep parking in the fire lane",
        "pigeons left a mess on my window ledge",
        "was the property fee taken out of my account twice",
        "I'm stuck overseas for another month, please keep an eye on the flat",
        "a van parked behind me in the garage and I can't get out",
        "楼下有辆车一直打着火不走，吵死了",
        "不用叫救护车，我想约个医生看看咳嗽",
        "the man next door is smoking in the stairwell again",
        "can you wake me up at seven tomorrow",
        "the sparkling water delivery hasn't come",
        "电梯门口的水要拖一下，孩子差点滑倒",
        "the plants on my balcony are dying, can someone water them while I'm away",
        "the courier is holding my parcel at the gate",
        "the lift stopped working yesterday, can someone fix it",
        "the lift is stuck on the tenth floor, nobody inside, please get it repaired",
        "我把今天的药吃了",
        "钥匙被锁在屋里了，能不能找个师傅开一下门",
        "帮我去药房买一瓶药",
        "can you check the lobby camera, someone scratched my car",
    ],
)
def test_harmless_phrasings_are_not_distress(text: str) -> None:
    assert find_distress(normalise(text).text) is None
