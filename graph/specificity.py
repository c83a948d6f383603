"""How much a shared value means: specificity weights for infrastructure links.

Two accounts sharing a crypto wallet or a payment-card fingerprint are very
likely one operator; two accounts sharing ``gmail.com`` or a cloud provider's
NAT address are not. A value's weight is a base weight for its kind, lowered by
how many entities use it, and zero for a *super-node* (used by more than
``SUPER_NODE_DEGREE`` entities), so one very common value never joins the world.
"""

from __future__ import annotations

import math

# Used by more entities than this, a value is a super-node: shown, never traversed.
SUPER_NODE_DEGREE = 50
# Groups up to this size sharing a value keep its full weight; larger ones weigh less.
SMALL_GROUP = 10
FLOOR_CUT = 0.6

BASE_WEIGHT: dict[str, float] = {
    "wallet": 1.0,
    "payment": 1.0,
    "identifier": 1.0,
    "device": 0.9,
    "phone": 0.9,
    "email": 0.9,
    "address": 0.6,
    "domain": 0.6,
    "ip": 0.6,
    "network": 0.15,
}

# Mail domains anyone can get an address at: sharing one says nothing.
WEBMAIL_DOMAINS = frozenset(
    """gmail.com googlemail.com outlook.com hotmail.com live.com msn.com yahoo.com ymail.com aol.com
    icloud.com me.com mail.com gmx.com gmx.net gmx.de web.de proton.me protonmail.com tutanota.com
    yandex.ru yandex.com mail.ru inbox.ru bk.ru list.ru rambler.ru qq.com 163.com 126.com sina.com
    naver.com daum.net hanmail.net zoho.com fastmail.com hushmail.com""".split()
)
WEBMAIL_WEIGHT = 0.02


def specificity(kind: str, value: str, degree: int) -> float:
    """Weight in [0, 1] of a link through ``value`` used by ``degree`` entities.

    Up to ``SMALL_GROUP`` users a value keeps its full weight: a laptop farm's
    IP, a front's shared card or a family's address are used by a handful of
    accounts, and that handful is the signal. Beyond it the weight falls with
    the logarithm of the number of users, to ``1 - FLOOR_CUT`` of the base at
    the super-node threshold, and to nothing above it.
    """
    if degree > SUPER_NODE_DEGREE:
        return 0.0
    base = BASE_WEIGHT.get(kind, 0.5)
    if kind == "domain" and value.lower() in WEBMAIL_DOMAINS:
        base = WEBMAIL_WEIGHT
    if degree <= SMALL_GROUP:
        return base
    spread = math.log(degree / SMALL_GROUP) / math.log(SUPER_NODE_DEGREE / SMALL_GROUP)
    return round(base * (1.0 - FLOOR_CUT * spread), 6)


def is_super_node(degree: int) -> bool:
    return degree > SUPER_NODE_DEGREE


def rules() -> str:
    """The rules above as text.

    The load state hashes them into every value's, so that a load after a change
    to them rewrites the values' weights (``graph.load.rows.value_rules``).
    """
    weights = sorted(BASE_WEIGHT.items())
    return repr((SUPER_NODE_DEGREE, SMALL_GROUP, FLOOR_CUT, weights, sorted(WEBMAIL_DOMAINS), WEBMAIL_WEIGHT))
