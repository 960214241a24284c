"""Find and normalise MONEY, QUANTITY and DATE expressions in a cleaned text.

Pure, deterministic regex rules (no model, no jionlp: its ``extract_money`` glues punctuation and neighbouring
counts into amounts, e.g. ``元,50个`` -> 5 元, and its time extractor reads bare numbers as years).
Every function returns ``list[Span]`` in the coordinates of the text it was given, sorted by offset, and never
raises: malformed input gives fewer spans, not an exception.

Conventions (the gold README and the output schema rely on them):

* MONEY ``value`` is in yuan (``unit`` '元'; 美元/欧元/港元 keep their own unit). QUANTITY ``value`` folds 万/亿
  into the number (1.8万户 -> 18000 户). ``value_max`` is set for ranges: 400多万元 -> 4000000..5000000 (多/余 add
  one step of the last significant digit: 10多万 -> 100000..200000, 1.2万余 -> 12000..13000), 5至10万元 ->
  50000..100000.
* The span covers the blur words that set a flag: ``近百万元``, ``10万元以上``, ``不足3万元``.
  近/将近/接近 -> approximate and upper_bound (近百万元: value 1000000, just under it); 约/大约/左右/上下/来 ->
  approximate; 多/余/有余 -> approximate and lower_bound (+ value_max); 以上/超过/突破/逾/超/不少于/至少 ->
  lower_bound; 不足/不到/以下/以内/不超过 -> upper_bound (不足3万元: value 30000).
* Zero income (零收入, 收入为零, 从零增长到13万元) is MONEY value 0 whose span is just the character 零, so a
  change statement can point at it; 清零 (空壳村已清零) is a QUANTITY value 0 on 零 with unit None.
* DATE ``value`` is ISO (YYYY, YYYY-MM, YYYY-MM-DD) or a range ``A/B``. Year parts stay at year level:
  2017年底 -> '2017' with attr part='end' (2018年5月初 -> '2018-05', part='early'). Relative dates resolve only
  against ``published``; without it their value is None and ``resolved`` False. 当年/同年/次年 get
  ``anchor='previous'`` (+ ``offset`` in years, ``month``/``day`` when given) and value None: the caller resolves
  them against the previous explicit year in the text. 近年来/多年来 are relative and never resolved.
  A month-day without a year (11月12日) takes the year of ``published``.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation

from .doc import Span

__all__ = ["find_dates", "find_money", "find_quantities", "parse_number"]

# --------------------------------------------------------------------------------------------------------------
# Numbers

_CN_DIGITS = {
    "零": 0, "〇": 0, "○": 0, "一": 1, "壹": 1, "幺": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}  # fmt: skip
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_TENS = {"廿": 20, "卅": 30}
_BIG_UNITS = {"万": 10**4, "萬": 10**4, "亿": 10**8}
_CN_CHARS = "".join(_CN_DIGITS) + "".join(_SMALL_UNITS) + "".join(_TENS) + "".join(_BIG_UNITS)

# Same-length translation, so offsets found in the translated text are offsets in the given text.
_WIDTH = str.maketrans("０１２３４５６７８９．％", "0123456789.%")
_MAX_DIGITS = 15  # beyond this a float loses the value; such strings are identifiers, not amounts


_FULL_WIDTH = re.compile("[０-９．％]")


def _width_fold(text: str) -> str:
    return text.translate(_WIDTH) if _FULL_WIDTH.search(text) else text


def _digits_only(tokens: list[tuple[str, Decimal]]) -> Decimal | None:
    """二〇一八 -> 2018. Two non-zero digits side by side (三五, 四五) are a vague range, not a number."""
    digits = [int(v) for _, v in tokens]
    if len(digits) == 2 and 0 not in digits:
        return None
    return Decimal("".join(str(d) for d in digits))


_LITERAL_RE = re.compile(r"\d+(?:\.\d+)?")


def _tokenize(s: str) -> list[tuple[str, Decimal]] | None:
    tokens: list[tuple[str, Decimal]] = []
    i = 0
    while i < len(s):
        ch = s[i]
        if ch.isascii() and ch.isdigit():
            m = _LITERAL_RE.match(s, i)
            literal = m.group()
            if len(literal.replace(".", "")) > _MAX_DIGITS:
                return None
            tokens.append(("num", Decimal(literal)))
            i = m.end()
            continue
        if ch in _CN_DIGITS:
            tokens.append(("digit", Decimal(_CN_DIGITS[ch])))
        elif ch in _SMALL_UNITS:
            tokens.append(("small", Decimal(_SMALL_UNITS[ch])))
        elif ch in _TENS:
            tokens.append(("tens", Decimal(_TENS[ch])))
        elif ch in _BIG_UNITS:
            tokens.append(("big", Decimal(_BIG_UNITS[ch])))
        else:
            return None
        i += 1
    return tokens


def _evaluate(tokens: list[tuple[str, Decimal]]) -> Decimal | None:
    if not tokens:
        return None
    if len(tokens) > 1 and all(kind == "digit" for kind, _ in tokens):
        return _digits_only(tokens)
    total = mid = section = Decimal(0)  # parts already times 亿, parts times 万, the part below 万
    number: Decimal | None = None
    last_unit: Decimal | None = None
    seen = False
    for i, (kind, val) in enumerate(tokens):
        if kind in ("digit", "num"):
            if number is not None and number != 0:
                return None  # 三五, 3三: two numbers in a row
            number = val
        elif kind == "small":
            section += (number if number is not None else Decimal(1)) * val
            number, last_unit = None, val
        elif kind == "tens":
            if number is not None and number != 0:
                return None
            section += val
            number, last_unit = None, Decimal(10)
        else:  # 万 / 亿
            chunk = section + (number or 0)
            if chunk == 0 and not seen:
                chunk = Decimal(1)  # 万元, 亿: the unit alone means one of it
            if val == _BIG_UNITS["亿"]:
                total = (total + mid + chunk) * val
                mid = Decimal(0)
            else:
                mid += chunk * val
            section, number, last_unit = Decimal(0), None, val
        seen = True
        if i == len(tokens) - 1 and kind == "digit" and last_unit is not None and i > 0:
            prev_kind = tokens[i - 1][0]
            if prev_kind in ("small", "big", "tens"):
                number = val * last_unit / 10  # 三万五 -> 35000, 一百五 -> 150
    return total + mid + section + (number or 0)


def _parse_decimal(s: str) -> Decimal | None:
    if not isinstance(s, str):
        return None
    s = _width_fold(s.strip())
    if not s:
        return None
    sign = 1
    if s[0] in "-负":
        sign, s = -1, s[1:]
    s = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", s)
    try:
        if "点" in s:
            whole, _, frac = s.partition("点")
            if not frac or any(c not in _CN_DIGITS for c in frac):
                return None
            int_part = _evaluate(_tokenize(whole) or []) if whole else Decimal(0)
            if int_part is None:
                return None
            value = int_part + Decimal("0." + "".join(str(_CN_DIGITS[c]) for c in frac))
        else:
            tokens = _tokenize(s)
            value = _evaluate(tokens) if tokens is not None else None
    except (InvalidOperation, ValueError, ArithmeticError):
        return None
    if value is None or not value.is_finite() or value.adjusted() > _MAX_DIGITS + 8:
        return None
    return sign * value


def parse_number(s: str) -> float | None:
    """Parse one numeral: '3万' -> 30000, '1.8亿' -> 180000000, '一百二十三' -> 123, '1,234.5' -> 1234.5.

    Returns None for anything that is not a single number (vague ranges like 三五 or 几十, text, empty).
    """
    value = _parse_decimal(s)
    if value is None:
        return None
    out = float(value)
    return out if math.isfinite(out) else None


def _step(value: Decimal) -> Decimal:
    """One unit of the last significant digit: 400 -> 100, 12000 -> 1000, 1.5 -> 0.1."""
    return Decimal(1).scaleb(value.normalize().as_tuple().exponent)


# --------------------------------------------------------------------------------------------------------------
# Shared pieces of the amount / count patterns

# No thousands separators: the cleaned text uses ASCII commas between clauses (19个,500名 is two counts).
# The lookaheads stop backtracking into digit runs, the lookbehinds stop matches starting inside a number.
_AR = r"\d+(?!\d)(?:\.\d+(?!\d))?"
_AR_NUM = rf"{_AR}(?:[万亿]{_AR})*[十百千]?[万亿]*"
_CN_NUM = rf"[{_CN_CHARS}]+(?![{_CN_CHARS}])(?:点[零〇一二三四五六七八九]+)?"
_NUM = rf"(?:(?<![\d.]){_AR_NUM}|(?<![{_CN_CHARS}]){_CN_NUM})"

_PREFIXES = (
    "大约", "将近", "接近", "不足", "不到", "不少于", "不低于", "不超过", "不高于", "超过", "突破", "约合", "至少",
    "最多", "约", "近", "逾", "超", "上",
)  # fmt: skip
_SUFFIXES = ("以上", "以下", "以内", "左右", "上下", "有余")
_APPROXIMATE = {"大约", "将近", "接近", "约合", "约", "近", "上", "左右", "上下", "有余", "多", "余", "来"}
_LOWER = {"不少于", "不低于", "超过", "突破", "至少", "逾", "超", "上", "以上", "有余", "多", "余"}
_UPPER = {"将近", "接近", "不足", "不到", "不超过", "不高于", "最多", "近", "以下", "以内"}
_RANGE_SEPARATORS = "至|到|-|—|–|~|～|－"


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))


def _amount_pattern(unit_pattern: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?P<pre>{_alternation(_PREFIXES)})?"
        rf"(?P<num>{_NUM})"
        rf"(?:(?P<sep>{_RANGE_SEPARATORS})(?P<num2>{_NUM}))?"
        r"(?P<m1>多|余|来)?(?P<big>[万亿]*)(?P<m2>多|余)?"
        rf"(?P<unit>{unit_pattern})"
        rf"(?P<post>{_alternation(_SUFFIXES)})?"
    )


_VAGUE_BEFORE = set("几数多余来好成")  # 十几万元, 数万元: only the unit is stated, not the number
_ONLY_UNIT_CHARS = set("百佰千仟万萬亿")
# A one-character blur word that is really the end of another word: 节约10万元 is not 'about 10万元'.
_PREFIX_CLASHES = {"约": "节制简契公违履", "近": "附最靠临就亲邻", "超": "赶高", "上": "马走晚早向以"}
_VALUE_LIMIT = Decimal(10) ** 16


def _flags(words: Iterable[str | None]) -> dict[str, bool]:
    present = {w for w in words if w}
    return {
        "approximate": bool(present & _APPROXIMATE),
        "lower_bound": bool(present & _LOWER),
        "upper_bound": bool(present & _UPPER),
    }


def _amount_from_match(m: re.Match[str], text: str) -> dict | None:
    """Value, range and flags of an amount match, or None when the match is not a usable number."""
    num, num2, big = m.group("num"), m.group("num2"), m.group("big") or ""
    pre, start = m.group("pre"), m.start()
    if pre and len(pre) == 1 and start > 0 and text[start - 1] in _PREFIX_CLASHES.get(pre, ""):
        pre, start = None, m.start("num")
    if pre == "上" and num[0] not in "百千万亿":
        pre, start = None, m.start("num")  # 上百万 is 'a million or more'; 上5万 is not
    before = text[m.start("num") - 1] if m.start("num") > 0 else ""
    if before and (before in "几数" or (not pre and set(num) <= _ONLY_UNIT_CHARS and before in _VAGUE_BEFORE)):
        return None
    multiplier = _parse_decimal(big) if big else Decimal(1)
    value = _parse_decimal(num)
    if value is None or multiplier is None:
        return None
    value_max: Decimal | None = None
    if num2:
        upper = _parse_decimal(num2)
        if upper is None or _is_change_pair(m, text):
            return None
        upper *= multiplier
        trailing_units = re.search(r"[万亿]+$", num2)
        lower = value * multiplier
        if trailing_units and not re.search(r"[万亿]", num):
            lower = value * multiplier * _parse_decimal(trailing_units.group())  # 5至10万 -> 5万
            if lower > upper:
                lower = value * multiplier  # 5000-1万元
        if lower > upper:
            return None
        value, value_max = lower, upper
    else:
        value *= multiplier
    blur = m.group("m1") or m.group("m2")
    if blur in ("多", "余") and value_max is None and value > 0:
        value_max = value + _step(value)
    if abs(value) >= _VALUE_LIMIT or (value_max is not None and value_max >= _VALUE_LIMIT):
        return None
    out = {
        "start": start,
        "end": m.end(),
        "value": float(value),
        "value_max": float(value_max) if value_max is not None else None,
    }
    out.update(_flags([pre, m.group("m1"), m.group("m2"), m.group("post")]))
    return out


def _is_change_pair(m: re.Match[str], text: str) -> bool:
    """由8万到10万元 states a change between two amounts, not a range."""
    return (
        bool(m.group("num2")) and m.group("sep") in ("至", "到") and text[max(0, m.start() - 1) : m.start()] in "由从"
    )


def _change_pair_amounts(pattern: re.Pattern[str], m: re.Match[str], text: str) -> list[tuple[re.Match[str], dict]]:
    """Both ends of 由A到B元: A takes the unit of B, and B's 万/亿 only when A has none and B has none either."""
    out = []
    num, num2 = m.group("num"), m.group("num2")
    first = _parse_decimal(num)
    if first is not None and (re.search(r"[万亿]", num) or not re.search(r"[万亿]", num2 + (m.group("big") or ""))):
        flags = _flags([m.group("pre")])
        out.append((m, {"start": m.start(), "end": m.end("num"), "value": float(first), "value_max": None, **flags}))
    second = pattern.match(text, m.start("num2"))
    if second:
        amount = _amount_from_match(second, text)
        if amount is not None:
            out.append((second, amount))
    return out


def _amounts(pattern: re.Pattern[str], text: str) -> list[tuple[re.Match[str], dict]]:
    """(match, amount) for every usable match of an amount pattern; amount has start, end, value, flags."""
    out = []
    for m in pattern.finditer(text):
        if _is_change_pair(m, text):
            out += _change_pair_amounts(pattern, m, text)
            continue
        amount = _amount_from_match(m, text)
        if amount is not None:
            out.append((m, amount))
    return out


def _drop_overlaps(spans: list[Span]) -> list[Span]:
    """Keep the earliest, then longest, of overlapping spans; output sorted by offset."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start), s.label)):
        if kept and span.start < kept[-1].end:
            continue
        kept.append(span)
    return kept


# --------------------------------------------------------------------------------------------------------------
# MONEY

_CURRENCIES = {"元": "元", "块钱": "元", "美元": "美元", "欧元": "欧元", "港元": "港元", "港币": "港元"}
_MONEY_RE = _amount_pattern(rf"(?:{_alternation(_CURRENCIES)})(?![旦素宵帅首老气件器])")
_PER_RE = re.compile(r"(?:/|每)(亩|人|户|斤|公斤|千克|吨|年|月|天|日|次|个|头|只|平方米|小时)")
_AVERAGE_BEFORE = ("人均", "户均", "年均", "平均", "村均")
_CLAUSE_END = "。！？；!?;\n"
_ZERO_INCOME_RE = re.compile(r"(?P<z>[零〇])(?:收入|元|收益)")
_INCOME_IS_ZERO_RE = re.compile(
    r"(?:收入|收益|经济|产值|积累|资金|存款|分红)(?:几乎|基本上|基本|仍然|仍|都|均|一直)?(?:为|是)(?P<z>[零〇])(?![点.\d])"
)
_FROM_ZERO_RE = re.compile(r"(?:从|由)(?P<z>[零〇])(?=(?:元)?(?:增加|增长|提高|提升|突破|发展|跃升|到|至|达|变))")


_CURRENCY_IN_TEXT = re.compile(_alternation(_CURRENCIES))  # every MONEY_RE match holds one


def _money_spans(text: str) -> list[Span]:
    spans: list[Span] = []
    if not _CURRENCY_IN_TEXT.search(text):
        return spans
    for m, amount in _amounts(_MONEY_RE, text):
        start, end = amount.pop("start"), amount.pop("end")
        attrs = {"value": amount.pop("value"), "value_max": amount.pop("value_max"),
                 "unit": _CURRENCIES[m.group("unit")], **amount}  # fmt: skip
        per = _PER_RE.match(text, end)
        if per and end == m.end() and m.group("post") is None:
            attrs["per"] = per.group(1)
            end = per.end()
        if text[max(0, start - 2) : start] in _AVERAGE_BEFORE:
            attrs["average"] = True
        spans.append(Span(start, end, "MONEY", text[start:end], attrs, "rule"))
    return spans


def _zero_span(text: str, pos: int, label: str, unit: str | None) -> Span:
    attrs = {"value": 0.0, "value_max": None, "unit": unit, "approximate": False, "lower_bound": False,
             "upper_bound": False, "zero": True}  # fmt: skip
    return Span(pos, pos + 1, label, text[pos : pos + 1], attrs, "rule")


def _amount_follows_in_clause(spans: list[Span], pos: int, text: str, window: int = 30) -> bool:
    for span in spans:
        if pos < span.start <= pos + window:
            return not any(c in _CLAUSE_END for c in text[pos : span.start])
    return False


def _zero_money_spans(text: str, amounts: list[Span]) -> list[Span]:
    found = [m.start("z") for m in _ZERO_INCOME_RE.finditer(text)]
    found += [m.start("z") for m in _INCOME_IS_ZERO_RE.finditer(text)]
    found += [m.start("z") for m in _FROM_ZERO_RE.finditer(text) if _amount_follows_in_clause(amounts, m.end(), text)]
    return [_zero_span(text, pos, "MONEY", "元") for pos in sorted(set(found))]


def find_money(text: str) -> list[Span]:
    """MONEY spans: 1.8亿元, 近百万元, 400多万元, 不足3万元, 三万元, 零收入 (value 0 on 零)."""
    if not isinstance(text, str) or not text:
        return []
    folded = _width_fold(text)
    amounts = _money_spans(folded)
    spans = _drop_overlaps(amounts + _zero_money_spans(folded, amounts))
    for span in spans:
        span.text = text[span.start : span.end]
    return spans


# --------------------------------------------------------------------------------------------------------------
# QUANTITY

_MEASURE_UNITS = (
    "亩", "公顷", "平方公里", "平方米", "立方米", "公里", "千米", "米", "吨", "公斤", "千克", "斤", "千瓦时", "千瓦",
    "兆瓦",
    "%", "‰", "个百分点", "百分点", "倍", "岁",
)  # fmt: skip
# Classifiers: after a lone 一 they are an article or an idiom (一个班子, 一村一品), not a count.
_COUNT_UNITS = (
    "户", "人次", "人口", "人", "名", "位", "个月", "个", "家", "次", "村", "项", "只", "头", "间", "座", "所", "处", "张",
    "套", "台", "辆", "条", "件", "支", "批", "种", "株", "棵", "枚", "箱", "袋", "份", "篇", "场", "组",
    "口", "栋", "眼", "盏",
)  # fmt: skip
_QUANTITY_RE = _amount_pattern(rf"(?:{_alternation(_MEASURE_UNITS + _COUNT_UNITS)})")
_PERCENT_WORDS_RE = re.compile(rf"(?P<pre>{_alternation(_PREFIXES)})?百分之(?P<num>{_CN_NUM}|{_AR})")
_CLEARED_RE = re.compile(r"清(?P<z>零)")
_UNIT_NAMES = {"百分点": "个百分点", "人口": "人"}
_ORDINAL_BEFORE = ("第", "初", "周", "星期", "礼拜")
_PLACE_NAME_UNITS = {"家", "间", "户", "台", "座", "条", "眼", "棵", "里", "头"}
_PLACE_NAME_AFTER = re.compile(r"[子村屯庄铺堡营店寨沟湾坡岭镇乡房]")


def _is_ordinal_or_idiom(text: str, m: re.Match[str]) -> bool:
    start = m.start("num")
    if any(text[max(0, start - len(w)) : start] == w for w in _ORDINAL_BEFORE):
        return True
    num = m.group("num")
    if _PLACE_NAME_AFTER.match(text, m.end()) and m.group("unit") in _PLACE_NAME_UNITS and not num[0].isdigit():
        return True  # 六家子村, 三间房村, 八里庄: a place name, not a count
    if set(num) <= _ONLY_UNIT_CHARS:
        return True  # 千家万户, 百亩: a figure of speech, not a count
    return num == "一" and m.group("unit") in _COUNT_UNITS and not m.group("pre")


def _quantity_spans(text: str) -> list[Span]:
    spans: list[Span] = []
    for m, amount in _amounts(_QUANTITY_RE, text):
        if _is_ordinal_or_idiom(text, m):
            continue
        start, end = amount.pop("start"), amount.pop("end")
        unit = _UNIT_NAMES.get(m.group("unit"), m.group("unit"))
        attrs = {"value": amount.pop("value"), "value_max": amount.pop("value_max"), "unit": unit, **amount}
        spans.append(Span(start, end, "QUANTITY", text[start:end], attrs, "rule"))
    for m in _PERCENT_WORDS_RE.finditer(text):
        value = parse_number(m.group("num"))
        if value is None:
            continue
        attrs = {"value": value, "value_max": None, "unit": "%", **_flags([m.group("pre")])}
        spans.append(Span(m.start(), m.end(), "QUANTITY", text[m.start() : m.end()], attrs, "rule"))
    spans += [_zero_span(text, m.start("z"), "QUANTITY", None) for m in _CLEARED_RE.finditer(text)]
    return spans


def find_quantities(text: str, money: list[Span] | None = None) -> list[Span]:
    """QUANTITY spans (counts and measures with a unit): 40户, 1000余人次, 62.6%, 1.8万户, 十七个, 清零 (0).

    Ordinals (第五批), idioms (一村一品, 千家万户), years and dates (no 年/月/日 unit) and money are not quantities.
    ``money``: the MONEY spans of ``text`` when the caller has them already.
    """
    if not isinstance(text, str) or not text:
        return []
    folded = _width_fold(text)
    if money is None:
        money = find_money(text)
    spans = [s for s in _drop_overlaps(_quantity_spans(folded)) if not any(_overlaps(s, m) for m in money)]
    for span in spans:
        span.text = text[span.start : span.end]
    return spans


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


# --------------------------------------------------------------------------------------------------------------
# DATE

_YEAR = r"(?:(?<!\d)(?:19|20)\d\d(?!\d)|(?<![〇○零一二三四五六七八九])[〇○零一二三四五六七八九]{4})"
_MONTH = r"(?:(?<!\d)(?:1[0-2]|0?[1-9])(?!\d)|十[一二]?|[一二三四五六七八九])"
_DAY = r"(?:(?<!\d)(?:3[01]|[12]\d|0?[1-9])(?!\d)|三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九])"
_YEAR_PART = r"(?P<part>年底|年末|年初|年中|上半年|下半年|底|末|初)?"
_MONTH_PART = r"(?P<mpart>初|底|末|上旬|中旬|下旬)?"
_PARTS = {
    "年底": "end", "年末": "end", "底": "end", "末": "end", "年初": "start", "初": "start", "年中": "mid",
    "上半年": "H1", "下半年": "H2",
}  # fmt: skip
_MONTH_PARTS = {"初": "early", "上旬": "early", "中旬": "mid", "下旬": "late", "底": "end", "末": "end"}
_RELATIVE_YEARS = {"今年": 0, "本年": 0, "去年": -1, "上年": -1, "上一年": -1, "前年": -2, "明年": 1, "后年": 2}
_ANCHORED_YEARS = {"当年": 0, "同年": 0, "该年": 0, "次年": 1, "翌年": 1, "第二年": 1}
_NOW_WORDS = ("截至目前", "截止目前", "到目前为止", "截至当前", "目前", "当前", "如今", "至今", "眼下")
_VAGUE_WORDS = ("近年来", "近些年来", "近几年来", "这些年来", "多年来", "几年来", "近些年", "近几年", "这些年", "近年")
_DAY_WORDS = {"今天": 0, "今日": 0, "昨天": -1, "昨日": -1, "前天": -2, "明天": 1}
_MONTH_WORDS = {"本月": 0, "这个月": 0, "上月": -1, "上个月": -1, "下月": 1, "下个月": 1}

_DATE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("ymd_sep", re.compile(r"(?<![\d.])(?P<y>(?:19|20)\d\d)(?P<s>[-/.])(?P<m>1[0-2]|0?[1-9])(?P=s)(?P<d>3[01]|[12]\d|0?[1-9])(?![\d.])")),
    ("ymd", re.compile(rf"(?P<y>{_YEAR})年(?P<m>{_MONTH})月(?P<d>{_DAY})[日号]")),
    ("year_range", re.compile(rf"(?P<y>{_YEAR})年?(?:至|到|—|-|–|~|～|－)(?P<y2>{_YEAR})年")),
    ("ym", re.compile(rf"(?P<y>{_YEAR})年(?P<m>{_MONTH})月份?{_MONTH_PART}")),
    ("y_since", re.compile(rf"(?P<y>{_YEAR})年(?:度)?以来")),
    ("y", re.compile(rf"(?P<y>{_YEAR})年(?:度)?{_YEAR_PART}")),
    ("rel_year", re.compile(
        rf"(?P<w>{_alternation(_RELATIVE_YEARS)})(?:度)?"
        rf"(?:(?P<m>{_MONTH})月份?(?:(?P<d>{_DAY})[日号])?{_MONTH_PART}|{_YEAR_PART})(?P<since>以来)?")),
    ("anchored", re.compile(
        rf"(?P<w>{_alternation(_ANCHORED_YEARS)})(?:度)?(?:(?P<m>{_MONTH})月份?(?:(?P<d>{_DAY})[日号])?)?")),
    ("n_years", re.compile(
        r"(?P<pre>近|过去|最近|这)?(?<![\d.])(?P<n>\d{1,2}|[一二两三四五六七八九十]{1,3})(?P<more1>多)?年(?P<more2>多)?"
        r"(?P<post>以来|来|前)?")),
    ("vague", re.compile(_alternation(_VAGUE_WORDS))),
    ("now", re.compile(_alternation(_NOW_WORDS))),
    ("day_word", re.compile(rf"(?<![“《\"])(?:{_alternation(_DAY_WORDS)})")),
    ("month_word", re.compile(_alternation(_MONTH_WORDS))),
    ("md", re.compile(rf"(?<![\d年{_CN_CHARS}])(?P<m>{_MONTH})月(?P<d>{_DAY})[日号]")),
    ("m", re.compile(rf"(?<![\d年月{_CN_CHARS}])(?P<m>{_MONTH})月份?{_MONTH_PART}(?![薪租均])")),
    ("d", re.compile(r"(?<![\d.月])(?P<d>3[01]|[12]\d|[1-9])日(?!\d)")),
]  # fmt: skip


# Each pattern below but the word lists has a character every match holds (its anchor), and no match
# reaches more than _DATE_REACH characters before or after it: such a pattern is run only on the
# windows of _DATE_REACH + 4 characters around its anchors (the 4 leave room for a lookahead), which
# finds the same matches as a run on the whole text. Most of a text is far from any 年, 月 or 日.
_DATE_ANCHORS = {
    kind: anchor
    for anchor, kinds in (
        (re.compile(r"[-/.]"), ("ymd_sep",)),
        (re.compile("年"), ("ymd", "year_range", "ym", "y_since", "y", "n_years")),
        (re.compile("月"), ("md", "m")),
        (re.compile("日"), ("d",)),
    )
    for kind in kinds
}
_DATE_REACH = 12  # the longest stretch: 2019至2020年 (10 before 年), 2019年十二月三十一日 (7 after)


def _anchor_windows(text: str, anchor: re.Pattern[str], radius: int) -> list[tuple[int, int]]:
    """Merged ``[start, end)`` windows of ``radius`` characters around every match of ``anchor``."""
    windows: list[tuple[int, int]] = []
    n = len(text)
    for m in anchor.finditer(text):
        start, end = max(0, m.start() - radius), min(n, m.end() + radius)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


def _date_matches(kind: str, pattern: re.Pattern[str], folded: str, windows: dict) -> Iterator[re.Match[str]]:
    """``pattern.finditer(folded)``, on the windows around the pattern's anchor when it has one
    (``windows``: the windows found so far in ``folded``, by anchor)."""
    anchor = _DATE_ANCHORS.get(kind)
    if anchor is None:
        yield from pattern.finditer(folded)
        return
    if anchor not in windows:
        windows[anchor] = _anchor_windows(folded, anchor, _DATE_REACH + 4)
    for start, end in windows[anchor]:
        yield from pattern.finditer(folded, start, end)


def _published_parts(published: str | None) -> tuple[int | None, int | None, int | None]:
    if not isinstance(published, str):
        return None, None, None
    m = re.match(r"\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", published)
    if not m:
        return None, None, None
    year = int(m.group(1))
    month = int(m.group(2)) if m.group(2) and 1 <= int(m.group(2)) <= 12 else None
    day = int(m.group(3)) if month and m.group(3) and _valid_date(year, month, int(m.group(3))) else None
    return year, month, day


def _valid_date(year: int, month: int, day: int) -> bool:
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def _iso(year: int | None, month: int | None = None, day: int | None = None) -> str | None:
    if year is None or not 1 <= year <= 9999:
        return None
    if month is None:
        return f"{year:04d}"
    if day is None:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


def _int(s: str | None) -> int | None:
    value = parse_number(s) if s else None
    return int(value) if value is not None and value == int(value) else None


def _year(s: str) -> int | None:
    year = _int(s)
    return year if year is not None and 1900 <= year <= 2100 else None


def _shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1


def _date_attrs(kind: str, m: re.Match[str], pub: tuple[int | None, int | None, int | None]) -> dict | None:
    """Normalised attrs of one date match, or None when the match is not a valid date."""
    py, pm, pd = pub
    published = _iso(py, pm, pd)
    groups = m.groupdict()
    month = _int(groups.get("m")) if groups.get("m") else None
    day = _int(groups.get("d")) if groups.get("d") else None
    if month is not None and not 1 <= month <= 12:
        return None
    if day is not None and not 1 <= day <= 31:
        return None
    attrs: dict = {}
    if groups.get("part"):
        attrs["part"] = _PARTS[groups["part"]]
    if groups.get("mpart"):
        attrs["part"] = _MONTH_PARTS[groups["mpart"]]

    if kind in ("ymd_sep", "ymd", "ym", "y"):
        year = _year(groups["y"])
        if year is None or (day is not None and not _valid_date(year, month, day)):
            return None
        return {"value": _iso(year, month, day), "relative": False, "resolved": True, **attrs}
    if kind == "year_range":
        first, last = _year(groups["y"]), _year(groups["y2"])
        if first is None or last is None or first >= last:
            return None
        return {"value": f"{first}/{last}", "relative": False, "resolved": True}
    if kind == "y_since":
        year = _year(groups["y"])
        if year is None:
            return None
        value = f"{year}/{published}" if published else None
        return {"value": value, "relative": True, "resolved": value is not None, "start": str(year)}
    if kind == "rel_year":
        attrs["offset"] = _RELATIVE_YEARS[groups["w"]]
        year = py + attrs["offset"] if py is not None else None
        if groups.get("since"):
            value = f"{year}/{published}" if year is not None else None
            return {"value": value, "relative": True, "resolved": value is not None}
        if year is not None and day is not None and not _valid_date(year, month, day):
            return None
        value = _iso(year, month, day)
        out = {"value": value, "relative": True, "resolved": value is not None, **attrs}
        if value is None:
            out.update({k: v for k, v in (("month", month), ("day", day)) if v is not None})
        return out
    if kind == "anchored":
        out = {"value": None, "relative": True, "resolved": False, "anchor": "previous",
               "offset": _ANCHORED_YEARS[groups["w"]]}  # fmt: skip
        out.update({k: v for k, v in (("month", month), ("day", day)) if v is not None})
        return out
    if kind == "n_years":
        n = _int(groups["n"])
        pre, post = groups.get("pre"), groups.get("post")
        if n is None or n <= 0 or n > 100 or not (pre or post):
            return None  # a bare duration (工作3年) is not a date
        approximate = bool(groups.get("more1") or groups.get("more2"))
        if post == "前":
            value = _iso(py - n) if py is not None else None
        else:
            value = f"{py - n}/{published}" if py is not None else None
        return {"value": value, "relative": True, "resolved": value is not None, "years": n,
                "approximate": approximate}  # fmt: skip
    if kind == "vague":
        return {"value": None, "relative": True, "resolved": False, "vague": True}
    if kind == "now":
        return {"value": published, "relative": True, "resolved": published is not None}
    if kind == "day_word":
        value = None
        if pd is not None:
            try:
                value = (datetime.date(py, pm, pd) + datetime.timedelta(days=_DAY_WORDS[m.group()])).isoformat()
            except OverflowError:
                value = None
        return {"value": value, "relative": True, "resolved": value is not None}
    if kind == "month_word":
        value = _iso(*_shift_month(py, pm, _MONTH_WORDS[m.group()])) if pm is not None else None
        return {"value": value, "relative": True, "resolved": value is not None}
    # month-day, month or day without a year: the year (and month) of publication
    if kind == "d":
        value = _iso(py, pm, day) if pm is not None and _valid_date(py, pm, day) else None
        return {"value": value, "relative": True, "resolved": value is not None, "day": day}
    if day is not None and py is not None and not _valid_date(py, month, day):
        return None
    value = _iso(py, month, day) if py is not None else None
    out = {"value": value, "relative": True, "resolved": value is not None, "month": month, **attrs}
    if day is not None:
        out["day"] = day
    return out


def find_dates(text: str, published: str | None = None) -> list[Span]:
    """DATE spans with ISO ``value`` (or 'A/B' range), ``relative`` and ``resolved`` attrs.

    ``published`` (ISO, YYYY / YYYY-MM / YYYY-MM-DD) is the only base for relative dates; without it they stay
    unresolved (value None).
    """
    if not isinstance(text, str) or not text:
        return []
    folded = _width_fold(text)
    pub = _published_parts(published)
    taken: list[Span] = []
    covered = bytearray(len(text))  # characters already in a date: linear, however many dates a text holds
    windows: dict[re.Pattern[str], list[tuple[int, int]]] = {}
    for kind, pattern in _DATE_PATTERNS:
        for m in _date_matches(kind, pattern, folded, windows):
            start, end = m.span()
            if end == start or any(covered[start:end]):
                continue
            attrs = _date_attrs(kind, m, pub)
            if attrs is None:
                continue
            covered[start:end] = b"\x01" * (end - start)
            taken.append(Span(start, end, "DATE", text[start:end], attrs, "rule"))
    return sorted(taken, key=lambda s: (s.start, s.end))
