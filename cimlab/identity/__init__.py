"""Identity resolution: one ``customer_id`` per person across channels, with the reason why.

A **source record** is one ``(channel, source_customer_id)`` pair, wherever it appears
(``customers``, or the customer reference of ``orders``, ``interactions``, ``feedback``).
:func:`source_records` gathers each record's usable identifiers; :func:`resolve_records` links
records into customers; :func:`resolve` does the same on a workspace and writes
``identity_map`` (and the tables below) in one transaction.

Rules, in the order they are applied
-------------------------------------
1. **Keys.** A record offers at most one phone (E.164, never a platform-masked one), one
   e-mail (lower-cased) and, for channels of a shared id space, its source id. The profile in
   ``customers`` comes first; orders fill what it lacks with the most recent non-null buyer
   details. Masked names and phones are never identifiers.
2. **Shared id spaces** (``IdentitySettings.shared_id_groups``): channels whose ids name the
   same person. The demo's call centre records the caller's online-shop ``customer_id`` when
   there is one (``cimlab/demo.py``), so the default is ``(("online_shop", "call_centre"),)``.
3. **Over-merge guard.** A key is *blocked* (not used) when it matches a placeholder pattern
   (``13800000000``, ``12345678`` runs, ``test@test.com``, ``none@…``, ``noreply@…``,
   ``123@qq.com``, ``a@a.com``), when more than ``max_records_per_channel`` records of one
   channel carry it (default 2), or when more than ``max_records_per_key`` records carry it
   in all (default 12). A person has about one record per channel, so an honest phone sits on
   one record in each channel they use (in the demo up to five: four sales channels and the
   call centre, the Tmall membership sharing the buyer's record); a company switchboard, a
   shop's own number or a placeholder shows up under many ids of one channel. Two per channel
   let a couple share a phone. Blocked keys are listed with their counts, masked and as a
   sha256 of ``"<key_type>:<value>"``, never raw.
4. **Households** (:mod:`~cimlab.identity.households`). Two records sharing a phone or e-mail
   are two people of one household, not one person, when both names are usable (known, not
   masked, not nickname-like) and their name keys differ (:func:`~cimlab.identity.names.name_key`:
   汉字, traditional or simplified, and pinyin in any order are one key), **and** either both
   birth dates are known and differ, or a birth date is unknown and both records are in the
   same channel (two accounts of one channel under two names). Across channels, different
   names with a birth date missing stay one person; so do equal names, equal birth dates, or a
   name unknown on either side. Such a key links only records of one name (a record without a
   usable name joins the name whose birth date it shares, if exactly one does, else it is not
   linked through the key), and no chain of other links may join the two people: a customer
   that would hold both is rebuilt from its links strongest first (manual, shared id, phone,
   e-mail, fuzzy), skipping each link that would. A manual merge or accepted proposal of the
   two wins. The customers sharing the key get one ``household_id`` (``H`` + 6 or more
   digits, kept across runs like customer ids, never reused) with the reason
   ``shared_phone`` / ``shared_email`` (:func:`customer_households`).
5. **Links are transitive**: connected components of the sparse record × key incidence graph
   (``scipy.sparse.csgraph.connected_components``), plus record–record edges from overrides and
   the fuzzy pass.
6. **Fuzzy pass** (``fuzzy=True``): records sharing a city and a birth date, or a city and a
   family name (a 汉字 name's family name, in characters and, against Latin names, in pinyin;
   a Latin name's words), are compared by name. The name score is the larger of rapidfuzz's
   ``token_sort_ratio`` (1.0 for the same characters) and the name-key match
   (:func:`~cimlab.identity.names.name_key`): two Latin names with one key (another word
   order or spacing, "ZhangWei" / "Wei Zhang") score 1.0, any other pair with one key
   (汉字 ↔ pinyin, traditional ↔ simplified, homophones such as 章伟 / 张伟) scores
   ``pinyin_name_score`` (0.9); an empty, masked or nickname-like name scores 0.
   ``score = 0.6·name + 0.15·same city + 0.25·birth`` where birth is 1 (same date), 0.4
   (unknown) or 0 (different; the score is then also halved); a name carried by more than
   ``max_records_per_channel`` records of one channel (several people: its spelling for a
   spelling match, its key for a key match) counts half. So name and city alone reach at most
   0.85 (review, never a link), 张伟 / Zhang Wei born the same day in one city score 0.94
   (linked), and a common name born the same day in one city 0.7 (dropped). Pairs scoring
   ``>= threshold`` are linked (rule ``fuzzy_name``, key type ``name``, ``name_order`` or
   ``name_pinyin``, the names masked in the reason); pairs in ``[review_threshold,
   threshold)`` are proposed in ``identity_review`` (with their reason in the review queue)
   and never merged until a person accepts them.
7. **Manual overrides win** and are replayed in time order on every run: a merge links all
   records of both customers; a split keeps each part together and apart from the others
   (keys shared across parts stop linking, and a record that would bridge two parts does
   not join either); accepting a proposal is a merge of its two records, rejecting it keeps
   them apart. A later merge lifts an earlier split between the records it joins.
8. **Stable ids**: a component keeps the id most of its records had (ties: the oldest id);
   when two components claim one id, the one with more of its records wins (then the one
   holding the oldest record) and the other gets a new id. Ids are ``C`` + 6 or more digits,
   issued in order of first appearance and never reused (``identity_ids``).

Each record's ``rule`` in ``identity_map`` is its last manual action if any, else the strongest
link it takes part in (shared_id > phone > email > fuzzy_name), else ``singleton``.

Modules, one idea each: :mod:`~cimlab.identity.tables` (schemas and DDL),
:mod:`~cimlab.identity.settings`, :mod:`~cimlab.identity.records` (source records),
:mod:`~cimlab.identity.keys`, :mod:`~cimlab.identity.guard` (over-merge guard),
:mod:`~cimlab.identity.households`, :mod:`~cimlab.identity.names` (name keys),
:mod:`~cimlab.identity.fuzzy`, :mod:`~cimlab.identity.overrides` (replaying manual actions),
:mod:`~cimlab.identity.link` (the pure resolver), :mod:`~cimlab.identity.quality`,
:mod:`~cimlab.identity.store` (resolve and read on a workspace),
:mod:`~cimlab.identity.explain` (reasons, the links export) and
:mod:`~cimlab.identity.manual` (merge, split, accept, reject, the review queue). This package
re-exports the public API.

Quality on the demo (``tests/test_identity.py`` prints it; deterministic pass): precision 1.0
and recall 0.972 of *all* same-person pairs (people=5,000: 5,537 of 5,697 pairs; people=600:
648 of 664), and recall 1.0 of the pairs joined by a chain of shared identifiers
(:func:`linkable_truth`). The missed pairs carry no identifier to link on: Tmall buyers who are
not brand members and whose every order masks the phone, callers the call centre knows only by
an office landline, and records whose contact row was broken on purpose and quarantined. The fuzzy pass adds no correct link on the demo; its proposals
go to review.

Tables (created with ``Workspace.ensure_tables``): ``identity_map``, ``identity_links`` (one
row per link: a spanning star per key, plus manual and fuzzy links), ``identity_blocked_keys``,
``identity_review``, ``identity_overrides``, ``identity_ids``, ``identity_runs``,
``identity_households`` and ``identity_household_ids``.

Examples
--------
>>> import polars as pl
>>> records = pl.DataFrame({
...     "channel": ["online_shop", "wechat", "offline_store"],
...     "source_customer_id": ["0001034", "o8fK2", "088800000021"],
...     "phone": ["+8613800138000", "+8613800138000", None],
...     "email": ["li.na@qq.com", None, "li.na@qq.com"],
... })
>>> res = resolve_records(records)
>>> res.map.select("channel", "customer_id", "rule").rows()
[('offline_store', 'C000001', 'email'), ('online_shop', 'C000001', 'phone'), ('wechat', 'C000001', 'phone')]
"""

from __future__ import annotations

from cimlab.identity.explain import explain, links_export
from cimlab.identity.fuzzy import CITY_ALIASES
from cimlab.identity.guard import guard_keys
from cimlab.identity.keys import record_keys
from cimlab.identity.link import Resolution, ResolutionResult, resolve_records
from cimlab.identity.manual import (
    OverrideResult,
    accept,
    merge_customers,
    reject,
    review_queue,
    split_customer,
)
from cimlab.identity.quality import linkable_truth, pair_quality
from cimlab.identity.records import source_records
from cimlab.identity.settings import IdentitySettings
from cimlab.identity.store import (
    blocked_keys,
    customer_households,
    customer_map,
    removed_records,
    resolve,
    resolve_again,
    successors,
    unlinked_records,
)
from cimlab.identity.tables import (
    BLOCKED_SCHEMA,
    DDL,
    HOUSEHOLDS_SCHEMA,
    KEYS_SCHEMA,
    LINKS_SCHEMA,
    MAP_SCHEMA,
    RECORDS_SCHEMA,
    REVIEW_SCHEMA,
)

__all__ = [
    "BLOCKED_SCHEMA",
    "CITY_ALIASES",
    "DDL",
    "HOUSEHOLDS_SCHEMA",
    "KEYS_SCHEMA",
    "LINKS_SCHEMA",
    "MAP_SCHEMA",
    "RECORDS_SCHEMA",
    "REVIEW_SCHEMA",
    "IdentitySettings",
    "OverrideResult",
    "Resolution",
    "ResolutionResult",
    "accept",
    "blocked_keys",
    "customer_households",
    "customer_map",
    "explain",
    "guard_keys",
    "linkable_truth",
    "links_export",
    "merge",
    "merge_customers",
    "pair_quality",
    "record_keys",
    "reject",
    "removed_records",
    "resolve",
    "resolve_again",
    "resolve_records",
    "review_queue",
    "source_records",
    "split",
    "split_customer",
    "successors",
    "unlinked_records",
]

merge = merge_customers  # the name before cimlab 0.2, kept as an alias
split = split_customer  # the name before cimlab 0.2, kept as an alias
