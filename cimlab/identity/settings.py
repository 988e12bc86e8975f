"""What links records: :class:`IdentitySettings` and its checks.

Examples
--------
>>> check_settings(None).max_records_per_key
12
>>> check_settings(IdentitySettings(max_records_per_key=1))
Traceback (most recent call last):
...
ValueError: max_records_per_key=1 should be >= 2.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["PLACEHOLDER_EMAILS", "PLACEHOLDER_PHONES", "IdentitySettings", "check_settings"]


# Rust regex syntax (no back-references), matched against E.164 numbers and lower-cased e-mails.
_SAME_8 = "|".join(str(d) * 8 for d in range(10))
_SAME_LOCAL = "|".join(f"{c}+" for c in "abcdefghijklmnopqrstuvwxyz0123456789")
#: Phones that identify nobody (the default of ``IdentitySettings.placeholder_phones``).
PLACEHOLDER_PHONES: tuple[str, ...] = (
    rf"(?:{_SAME_8})$",  # 13800000000, 13911111111, 00000000
    r"(?:01234567|12345678|23456789|98765432|87654321|76543210)",  # 13812345678
)
#: E-mails that identify nobody (the default of ``IdentitySettings.placeholder_emails``).
PLACEHOLDER_EMAILS: tuple[str, ...] = (
    r"^(?:test|testing|tester|none|null|nil|na|n/a|no|noreply|no-reply|no_reply|donotreply"
    r"|do-not-reply|do_not_reply|unknown|nobody|noemail|nomail|no-mail|example|sample|fake"
    r"|dummy|abc|asdf|qwerty|xxx+)@",
    rf"^(?:{_SAME_LOCAL})@",  # a@a.com, aaa@..., 111@...
    r"^0?123(?:4(?:5(?:6(?:7(?:8(?:9)?)?)?)?)?)?@",  # 123@qq.com, 123456@163.com
    r"@(?:test|example|invalid|localhost|none|null|noreply|no-reply|nomail|mailinator)(?:\.|$)",
)


@dataclass(frozen=True)
class IdentitySettings:
    """What links records; every rule is documented in :mod:`cimlab.identity`.

    Parameters
    ----------
    shared_id_groups
        Groups of channels whose source ids are one id space (the same id = the same person).
    max_records_per_key
        A phone, e-mail or shared id carried by more records than this (all channels together)
        is blocked.
    max_records_per_channel
        A key carried by more records than this within one channel is blocked.
    placeholder_phones, placeholder_emails
        Regular expressions (Rust syntax, no back-references) of values that identify nobody,
        matched against E.164 phones and lower-cased e-mails.
    threshold, review_threshold
        Fuzzy scores ``>= threshold`` link; ``[review_threshold, threshold)`` go to review.
    max_block_size
        Fuzzy blocks (same city and birth date, or same city and surname) larger than this are
        skipped (too common to tell people apart, and quadratic to compare).
    pinyin_name_score
        The fuzzy pass's name score of two names with one :func:`~cimlab.identity.names.name_key`
        but different characters (张伟 / Zhang Wei, 張偉 / 张伟, 章伟 / 张伟): below the 1.0 of the
        same characters, high enough that a same-birthday, same-city pair links.

    Examples
    --------
    >>> IdentitySettings().shared_id_groups
    (('online_shop', 'call_centre'),)
    >>> IdentitySettings(max_records_per_key=8).max_records_per_key
    8
    """

    shared_id_groups: tuple[tuple[str, ...], ...] = (("online_shop", "call_centre"),)
    max_records_per_key: int = 12
    max_records_per_channel: int = 2
    placeholder_phones: tuple[str, ...] = PLACEHOLDER_PHONES
    placeholder_emails: tuple[str, ...] = PLACEHOLDER_EMAILS
    threshold: float = 0.9
    review_threshold: float = 0.8
    max_block_size: int = 200
    pinyin_name_score: float = 0.9

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form (``identity_runs`` keeps it to replay manual actions)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> IdentitySettings:
        """Inverse of :meth:`to_dict` (lists become tuples)."""
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        if "shared_id_groups" in values:
            values["shared_id_groups"] = tuple(tuple(g) for g in values["shared_id_groups"])
        for name in ("placeholder_phones", "placeholder_emails"):
            if name in values:
                values[name] = tuple(values[name])
        return cls(**values)


def check_settings(settings: IdentitySettings | None) -> IdentitySettings:
    """``settings`` (the defaults for ``None``) once every field is checked; else a ValueError
    (TypeError for something that is not an :class:`IdentitySettings`) naming the field."""
    s = IdentitySettings() if settings is None else settings
    if not isinstance(s, IdentitySettings):
        raise TypeError(f"settings must be an IdentitySettings, not {type(s).__name__}.")
    if isinstance(s.max_records_per_key, bool) or not isinstance(s.max_records_per_key, int):
        raise ValueError(f"max_records_per_key={s.max_records_per_key!r} should be an integer.")
    if s.max_records_per_key < 2:
        raise ValueError(f"max_records_per_key={s.max_records_per_key} should be >= 2.")
    limit = s.max_records_per_channel
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"max_records_per_channel={limit!r} should be an integer >= 1.")
    if not 0 < s.review_threshold <= s.threshold <= 1:
        raise ValueError(
            f"review_threshold={s.review_threshold} and threshold={s.threshold} should satisfy "
            "0 < review_threshold <= threshold <= 1."
        )
    if not 0 <= s.pinyin_name_score <= 1:
        raise ValueError(f"pinyin_name_score={s.pinyin_name_score} should be in [0, 1].")
    if s.max_block_size < 2:
        raise ValueError(f"max_block_size={s.max_block_size} should be >= 2.")
    for group in s.shared_id_groups:
        if isinstance(group, str) or len(group) < 2:
            raise ValueError(
                f"shared_id_groups entry {group!r} should be a tuple of at least two channels."
            )
    return s
