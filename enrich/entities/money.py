"""Sums of money with their currency, normalized to ``<amount> <ISO 4217>`` (``1500000 RUB``,
``200000 UZS``, ``12.5 USD``): thousands/millions words resolved, ranges ("от 2 до 5 тыс. рублей")
giving both ends. A number with no currency is not money.

Matched on the normalized text (lower case; Uzbek in Latin letters: сўм -> so'm, минг -> ming).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from enrich.entities.post import Post

_NUM = r"\d{1,3}(?: \d{3})+(?![\d,.]\d)|\d+(?:[.,]\d+)?"
_MULT = (
    r"тыс\w*\.?|тыщ\w*|млн\.?|миллион\w*|млрд\.?|миллиард\w*|million\w*|mln\.?|mlrd\.?|milliard\w*|billion\w*|"
    r"bn|ming\w*|мың\w*|миң\w*|ҳазор\w*|thousand|к(?!\w)|k(?!\w)"
)
_CURRENCY = (
    r"руб\w*\.?|р\.(?!\w)|₽|rubl\w*|рубл\w*|roubles?|rubles?|rub(?!\w)|"
    r"сум(?:ов|а|ы|ах|ам)?(?!\w)|so'm\w*|uzs|"
    r"сомон\w*|somoni\w*|tjs|"
    r"сом(?!н|он)\w*|kgs|"
    r"тенге\w*|теңге\w*|tenge\w*|₸|kzt|"
    r"доллар\w*|dollar\w*|долл\.?|usd|\$|"
    r"евро|euro\w*|€|eur(?!\w)"
)


def _amount_re(n: str, m: str) -> str:
    return rf"(?P<{n}>{_NUM})(?:\s*(?P<{m}>{_MULT}))?"


_CHAIN = rf"{_amount_re('n1', 'm1')}(?:\s+{_amount_re('n2', 'm2')})?"
# "US dollars" in Kazakh, Kyrgyz, Uzbek ("2370 АҚШ долларына", "AQSH dollari")
_US = r"(?:ақш|акш|aqsh|сша)\s+"
_AFTER = re.compile(
    rf"(?<![\w.,])(?=\d)(?:(?P<low>{_NUM})(?:\s*[-–—]\s*|\s*(?:до|dan|to)\s+))?{_CHAIN}\s*(?:{_US})?(?P<cur>{_CURRENCY})"
)
_BEFORE = re.compile(rf"(?P<cur>\$|€|₽|usd|eur)\s?(?P<n1>{_NUM})(?:\s*(?P<m1>{_MULT}))?(?!\w)")

_SYMBOL_FIRST = re.compile(r"[$€₽]\s?\d|(?:usd|eur)\s?\d")
_CODES = [
    ("RUB", ("руб", "р.", "₽", "rubl", "рубл", "roubl", "rubl", "rub")),
    ("UZS", ("сум", "so'm", "uzs")),
    ("TJS", ("сомон", "somoni", "tjs")),
    ("KGS", ("сом", "kgs")),
    ("KZT", ("тенге", "теңге", "tenge", "₸", "kzt")),
    ("USD", ("доллар", "dollar", "долл", "usd", "$")),
    ("EUR", ("евро", "euro", "€", "eur")),
]
_MULTS = [
    (("тыс", "тыщ", "ming", "мың", "миң", "ҳазор", "thousand", "к", "k"), 1_000),
    (("млрд", "миллиард", "mlrd", "milliard", "billion", "bn"), 1_000_000_000),
    (("млн", "миллион", "million", "mln"), 1_000_000),
]


def _code(word: str) -> str:
    for code, starts in _CODES:
        if word.startswith(starts):
            return code
    return ""


def _factor(word: str | None) -> int:
    if not word:
        return 1
    for starts, factor in _MULTS:
        if word.startswith(starts):
            return factor
    return 1


def _number(text: str, scaled: bool) -> Decimal | None:
    text = text.replace(" ", "")
    if "," in text or "." in text:
        head, _, tail = text.replace(",", ".").rpartition(".")
        # "7,000 rubles" groups thousands; "1,5 млн" and "12.5" are fractions
        text = head + tail if len(tail) == 3 and not scaled and "." not in head else f"{head}.{tail}"
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _format(amount: Decimal, code: str) -> str:
    value = amount.quantize(Decimal(1)) if amount == amount.to_integral_value() else amount.normalize()
    return f"{value} {code}"


def _amount(match: re.Match[str]) -> Decimal | None:
    total = Decimal(0)
    for n, m in (("n1", "m1"), ("n2", "m2")):
        if match.groupdict().get(n) is None:
            continue
        factor = _factor(match.group(m))
        number = _number(match.group(n), factor > 1)
        if number is None:
            return None
        if n == "n2" and (match.group("m1") is None or factor >= _factor(match.group("m1"))):
            return None  # "5 7 тыс." is two numbers, not "5 thousand 7"
        total += number * factor
    return total


def extract(post: Post) -> list[str]:
    norm = post.norm
    if not post.has_digits:
        return []
    found: list[str] = []
    taken: list[tuple[int, int]] = []
    # _AFTER is tried only where a number starts (Post.scan); a sum with its symbol first needs one of five.
    for match in post.scan(_AFTER):
        code = _code(match.group("cur"))
        amount = _amount(match)
        if not code or amount is None:
            continue
        if post.lang == "uk" and match.group("cur") == "р.":
            continue  # Ukrainian "200 р." is two hundred years (рік), not roubles
        if match.group("low"):
            low = _number(match.group("low"), True)
            if low is not None:
                found.append(_format(low * _factor(match.group("m1") if match.group("n2") is None else None), code))
        found.append(_format(amount, code))
        taken.append(match.span())
    symbol = "$" in norm or "€" in norm or "₽" in norm or "usd" in norm or "eur" in norm
    for match in _BEFORE.finditer(norm) if symbol and _SYMBOL_FIRST.search(norm) else ():
        if any(s < match.end() and match.start() < e for s, e in taken):
            continue
        factor = _factor(match.group("m1"))
        number = _number(match.group("n1"), factor > 1)
        if number is not None:
            found.append(_format(number * factor, _code(match.group("cur"))))
    return found
