"""The fictional people: names, contact details, cities, birthdays, channels and buying
behaviour, column-wise.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from cimlab.demo.vocabulary import (
    BEHAVIOUR_P,
    BEHAVIOURS,
    CATEGORIES,
    CITIES,
    COMPANY_TYPES,
    COMPANY_WORDS,
    EMAIL_DOMAINS,
    EN_COMPANIES,
    EN_FEMALE,
    EN_LAST,
    EN_MALE,
    GIVEN_FEMALE,
    GIVEN_MALE,
    PHONE_PREFIXES,
    RARE_GIVEN,
    SURNAMES,
    WINDOW_DAYS,
)


class People:
    """Everything about the fictional people, column-wise (index = person number)."""

    def __init__(self, rng: np.random.Generator, n: int, as_of: date) -> None:
        self.n = n
        self.ids = [f"P{i + 1:05d}" for i in range(n)]
        female = rng.random(n) < 0.54
        english = rng.random(n) < 0.15
        western = rng.random(n) < 0.5  # English-named: Western surname or a Chinese one
        sur_w = np.array([s[2] for s in SURNAMES])
        sur = rng.choice(len(SURNAMES), n, p=sur_w / sur_w.sum())
        two_chars = rng.random(n) < 0.7
        g1 = rng.integers(0, len(GIVEN_FEMALE), n)
        g2 = rng.integers(0, len(GIVEN_FEMALE), n)
        en_first = rng.integers(0, len(EN_FEMALE), n)
        en_last = rng.integers(0, len(EN_LAST), n)

        self.female = female
        self.english = english
        self.name: list[str] = []
        self.surname: list[str] = []  # as written in the name (Chinese or Latin)
        self.given_latin: list[str] = []
        self.surname_latin: list[str] = []
        for i in range(n):
            if english[i]:
                first = (EN_FEMALE if female[i] else EN_MALE)[en_first[i]]
                last = EN_LAST[en_last[i]] if western[i] else SURNAMES[sur[i]][1].capitalize()
                self.name.append(f"{first} {last}")
                self.surname.append(first)
                self.given_latin.append(first)
                self.surname_latin.append(last)
            else:
                s_zh, s_py, _ = SURNAMES[sur[i]]
                pool = GIVEN_FEMALE if female[i] else GIVEN_MALE
                given = [pool[g1[i]]] + ([pool[g2[i]]] if two_chars[i] else [])
                self.name.append(s_zh + "".join(c for c, _ in given))
                self.surname.append(s_zh)
                self.given_latin.append("".join(p for _, p in given).capitalize())
                self.surname_latin.append(s_py.capitalize())

        age_days = (np.clip(rng.normal(36, 11, n), 18, 75) * 365.25).astype(np.int64)
        self.birth = [as_of - timedelta(days=int(d)) for d in age_days]
        city_w = np.array([c[4] for c in CITIES], dtype=float)
        self.city = rng.choice(len(CITIES), n, p=city_w / city_w.sum())

        prefixes = rng.integers(0, len(PHONE_PREFIXES), n)
        rests = rng.integers(0, 10**8, n)
        seen: set[str] = set()
        self.phone: list[str] = []
        for i in range(n):
            rest = int(rests[i])
            phone = f"{PHONE_PREFIXES[prefixes[i]]}{rest:08d}"
            while phone in seen:  # unique per person, deterministic
                rest = (rest + 7919) % 10**8
                phone = f"{PHONE_PREFIXES[prefixes[i]]}{rest:08d}"
            seen.add(phone)
            self.phone.append(phone)

        self.business = rng.random(n) < 0.03
        cw = rng.integers(0, len(COMPANY_WORDS), n)
        ct = rng.integers(0, len(COMPANY_TYPES), n)
        self.company: list[str | None] = [
            None
            if not self.business[i]
            else (
                f"{self.surname_latin[i]} {EN_COMPANIES[ct[i] % len(EN_COMPANIES)]}"
                if english[i]
                else f"{CITIES[self.city[i]][1]}{COMPANY_WORDS[cw[i]]}{COMPANY_TYPES[ct[i]]}有限公司"
            )
            for i in range(n)
        ]
        self.consent_email = rng.random(n) < 0.72
        self.consent_sms = rng.random(n) < 0.55
        self.consent_wechat = rng.random(n) < 0.70
        cat_w = np.array([c[3] for c in CATEGORIES], dtype=float)
        self.fav_category = rng.choice(len(CATEGORIES), n, p=cat_w / cat_w.sum())

        # Sales channels: 1-4 per person, weighted sampling without replacement (Gumbel top-k).
        k = rng.choice(4, n, p=[0.65, 0.25, 0.08, 0.02]) + 1
        chan_w = np.log(np.array([0.33, 0.30, 0.20, 0.17]))
        keys = chan_w + rng.gumbel(size=(n, 4))
        order = np.argsort(-keys, axis=1, kind="stable")
        self.uses = np.zeros((n, 4), dtype=bool)
        for j in range(4):
            chosen = order[:, j]
            self.uses[np.arange(n)[k > j], chosen[k > j]] = True

        # A few store customers without Tmall carry a character outside GBK.
        rare_pool = np.flatnonzero(self.uses[:, 3] & ~self.uses[:, 1] & ~english)
        for r, i in enumerate(rng.permutation(rare_pool)[:4].tolist()):
            char, py = RARE_GIVEN[r % len(RARE_GIVEN)]
            self.name[i] = self.surname[i] + char
            self.given_latin[i] = py.capitalize()

        p_email = np.where(self.uses[:, 0], 0.85, 0.45)
        has_email = rng.random(n) < p_email
        style = rng.integers(0, 4, n)
        digits = rng.integers(1, 100, n)
        qq = rng.integers(10**5, 10**10, n)
        dom_w = np.array([d[1] for d in EMAIL_DOMAINS])
        dom = rng.choice(len(EMAIL_DOMAINS), n, p=dom_w / dom_w.sum())
        used: set[str] = set()
        self.email: list[str | None] = []
        for i in range(n):
            if not has_email[i]:
                self.email.append(None)
                continue
            g, s = self.given_latin[i].lower(), self.surname_latin[i].lower()
            domain = EMAIL_DOMAINS[dom[i]][0]
            local = (
                f"{g}.{s}",
                f"{s}{g}{digits[i]}",
                f"{g[0]}{s}{self.birth[i].year % 100:02d}",
                str(qq[i]),
            )[style[i]]
            if local.isdigit():
                domain = "qq.com"
            email, bump = f"{local}@{domain}", 1
            while email in used:
                bump += 1
                email = f"{local}{bump}@{domain}"
            used.add(email)
            self.email.append(email)

        # Behaviour: drawn by first channel, with the days that shape it (from the window start).
        self.primary = np.where(self.uses[:, 1], 1, order[:, 0])  # Tmall buyers buy there first
        row = np.where(k > 1, 4, self.primary)
        cum = np.cumsum(BEHAVIOUR_P[row], axis=1)
        self.kind = (rng.random(n)[:, None] > cum).sum(axis=1)
        self.kind = np.minimum(self.kind, len(BEHAVIOURS) - 1)
        self.lapse_day = rng.integers(WINDOW_DAYS - 600, WINDOW_DAYS - 380, n)  # last order
        self.early_end = rng.integers(90, 200, n)  # won back: first spell ends ...
        self.late_start = rng.integers(WINDOW_DAYS - 170, WINDOW_DAYS - 20, n)  # ... returns
        self.new_start = rng.integers(WINDOW_DAYS - 88, WINDOW_DAYS - 5, n)
        # How the person feels about the brand: loyal buyers like it, leavers less so.
        kind_mood = np.array([0.0, -0.35, 0.55, -0.45, 0.1, 0.1])
        self.mood = rng.normal(0.0, 0.8, n) + kind_mood[self.kind]
