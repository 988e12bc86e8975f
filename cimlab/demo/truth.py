"""The ground truth under ``_truth/``: who is who across channels, and each person's facts."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from cimlab.demo.exports import ChannelExports
from cimlab.demo.manifest import SALES_CHANNELS
from cimlab.demo.vocabulary import BEHAVIOURS, CITIES


def _office_e164(phone: str) -> str:
    """``021-52781234`` → ``+862152781234`` (empty stays empty)."""
    return "+86" + phone.replace("-", "")[1:] if phone else ""


def write_truth(truth_dir: Path, demo: ChannelExports) -> None:
    """Write ``identities.csv`` (person → channel ids) and ``people.csv`` into ``truth_dir``."""
    rows = sorted(set(demo.truth))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["person_id", "channel", "table", "source_customer_id"])
    w.writerows(rows)
    (truth_dir / "identities.csv").write_bytes(buf.getvalue().encode("utf-8"))

    p = demo.p
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["person_id", "name", "gender", "birth_date", "phone", "email", "province", "city",
                "customer_type", "company", "consent_email", "consent_sms", "consent_wechat",
                "english_name", "sales_channels", "office_phone", "behaviour"])  # fmt: skip
    for i in range(p.n):
        city = CITIES[p.city[i]]
        w.writerow(
            [
                p.ids[i],
                p.name[i],
                "female" if p.female[i] else "male",
                p.birth[i].isoformat(),
                "+86" + p.phone[i],
                p.email[i] or "",
                city[0],
                city[1],
                "business" if p.business[i] else "individual",
                p.company[i] or "",
                str(bool(p.consent_email[i])).lower(),
                str(bool(p.consent_sms[i])).lower(),
                str(bool(p.consent_wechat[i])).lower(),
                str(bool(p.english[i])).lower(),
                ";".join(
                    c for c, used in zip(SALES_CHANNELS, p.uses[i].tolist(), strict=True) if used
                ),
                _office_e164(demo.office_phone.get(i, "")),
                BEHAVIOURS[p.kind[i]],
            ]
        )
    (truth_dir / "people.csv").write_bytes(buf.getvalue().encode("utf-8"))
