"""Deterministic demo data: the channel exports of a fictional Chinese retailer.

:func:`generate_demo_files` writes the files a real user would upload (about 5,000 people over
the two years before ``as_of``, five channels) plus ``manifest.yaml`` (what each file is and
which rows were broken on purpose) and the ground truth of who is who under ``_truth/``.

Files, in import order (``manifest.yaml`` lists the same, with mapping preset and encoding):

============================== ============ ============= ================ ==================
file                           table        channel       mapping          encoding
============================== ============ ============= ================ ==================
online_shop_customers.csv      customers    online_shop   generic_en       UTF-8
wechat_members.xlsx            customers    wechat        wechat_members   (sheet 会员)
store_members.csv              customers    offline_store generic_zh       GB18030
call_centre_contacts.csv       customers    call_centre   generic_en       UTF-8
tmall_members.csv              customers    tmall         tmall_members    GBK
online_shop_orders.csv         orders       online_shop   generic_en       UTF-8
tmall_orders.csv               orders       tmall         taobao_orders    GBK
wechat_orders.ndjson           orders       wechat        generic_en       UTF-8
store_sales.csv                orders       offline_store generic_zh       UTF-8 BOM, ``;``
call_centre_interactions.csv   interactions call_centre   generic_en       UTF-8
feedback_survey.json           feedback     call_centre   generic_en       UTF-8
online_shop_survey.csv         feedback     online_shop   generic_en       UTF-8
wechat_survey.csv              feedback     wechat        generic_zh       UTF-8 BOM
store_survey.csv               feedback     offline_store generic_zh       GBK
============================== ============ ============= ================ ==================

Conventions the importer and later tests can rely on:

- **Times** without an offset are Asia/Shanghai local time; ``submitted_at`` in the feedback
  survey carries ``+08:00``. The WeChat member sheet stores 成为客户时间 as real Excel datetimes.
- **Refunds** keep their positive amount: a refunded line has status ``refunded`` (已退款) and
  the amount that was paid. Cancelled lines keep their amount too, except on Tmall, where
  买家实付金额 is what was actually paid (``0`` for an order closed before payment).
- **Tmall statuses**: 交易成功, 卖家已发货, 等待买家确认收货, 买家已付款 and 等待卖家发货 are paid
  orders; 交易关闭 with a 买家付款时间 is refunded, without one it is cancelled. Tmall has no
  pending orders; amounts are ``￥1,234.50`` (full-width yen, GBK has no ``¥``) or ``1234.5``;
  each order masks the recipient (``林**``) and the phone (``138****1234``) with probability
  one half, independently of the buyer's other orders (so a buyer with a single masked order
  carries no identifier in the order report; the member list below gives most of them one).
- **Ids**: online shop ``0012345`` (leading zeros), Tmall buyer nicknames, WeChat openid-like
  ``o…`` strings, store cards ``08…`` (12 digits), Tmall order ids of 18–19 digits. The call
  centre records the caller's online-shop ``customer_id`` when they have one, else its own
  ``CC########`` id; ``_truth/identities.csv`` records both.
- **Contact details**: every online-shop customer has a mobile (Chinese web shops require one
  to register; e-mail stays optional), and so has every WeChat member (a mini-program member
  card needs phone authorisation, 手机号授权).
  ``call_centre_contacts.csv`` is the call centre's contact list: one row per id it used in
  interactions or the survey, with the caller's name, the number they called from and the day
  of the first contact. The number is their own mobile, for about 4 % an office landline of
  their city (``021-52781234``) that nobody else uses; ``_truth/people.csv`` lists it as
  ``office_phone`` (E.164).
- **Tmall brand members** (``tmall_members.csv``, 天猫品牌会员 / 会员通): about 85 % of the
  Tmall buyers joined the brand's membership, plus a few people who never bought on Tmall
  (about 4 % of the list). 会员昵称 is the buyer nickname of ``tmall_orders.csv`` (the same
  source id), 手机号 the full mobile members agree to share with the brand; 会员等级 follows
  the number of Tmall orders. This is how a brand ties Tmall nicknames to its CRM: only the
  non-members whose every order is masked stay without an identifier.
- **Channel use**: every person buys in 1–4 of the four sales channels (about 35 % in more
  than one), under a different id in each; call-centre contacts, surveys and the Tmall
  membership of people who never bought there come on top.
- **Bad rows** (``expected_bad_rows``): ``line`` is the 1-based physical line of the file, the
  header being line 1 (XLSX: the sheet row; NDJSON has no header, so record 1 is line 1; the
  JSON array holds one object per line after ``[``, so record 1 is line 2). ``column`` is the
  source header, ``None`` for a row with too few or too many fields; ``value`` is the raw value
  written. Every other row is clean.
- **Behaviour** (``behaviour`` in ``_truth/people.csv``, :data:`BEHAVIOURS`): each person is
  ``regular``, ``one_time`` (a single order, in their first channel), ``loyal`` (about four
  times the order rate, joined early), ``lapsed`` (last order 380–600 days before ``as_of``),
  ``won_back`` (a first spell ending in the first 200 days, then back in the last 170 days:
  a gap of more than a year) or ``new`` (joined and first bought in the last 90 days). The
  mix depends on the first channel: Tmall brings many one-time buyers, stores and WeChat
  loyal ones, people of several channels are the most loyal; so the 12-month repeat rate
  differs by acquisition channel.
- **Bundles**: seven product pairs (``vocabulary.BUNDLES``: yoga mat (pro) + yoga block, smartphone +
  phone case, green tea + teapot, shampoo + body wash, diapers + baby wipes, serum + face
  cream, running shoes + sports bottle) fill lines 1–2 of 12 % of the orders of two or more
  lines (Tmall orders have one line), so they stand out with a lift far above 3.
- **Service and feedback**: a refunded or cancelled order leads to a complaint call 20 % of
  the time; during a courier backlog around the Spring Festival (days 555–611 of the window:
  2026-01-06 to 2026-03-02 for the default ``as_of``) a third of the online orders arrive
  late and some of those lead to a complaint. Surveys: the call centre's after a contact
  (half of the complaints answer), the online shop's 2–10 days after 12 % of the orders, the
  WeChat mini-program's after 10 %, the stores' (QR code on the receipt) after 7 %. Every
  answer comes from one latent satisfaction: the person's mood (loyal buyers like the brand,
  one-time and lapsed buyers less), their number of paid orders, the experience asked about
  (a refunded order, a late parcel, a complaint in the 60 days before), the channel (stores
  best, callers worst) and a slow improvement over the two years. NPS, CSAT (tracks NPS) and
  the complaint flag (never from a promoter) all follow from it.
- **Determinism**: one ``numpy.random.default_rng(seed)`` stream and no clock, so the same seed
  gives byte-identical files with the same numpy and zlib (XLSX timestamps are pinned to
  ``as_of``).

Modules, in the order the data is made: :mod:`~cimlab.demo.vocabulary` (names, places,
products, behaviours), :mod:`~cimlab.demo.people`, :mod:`~cimlab.demo.orders`,
:mod:`~cimlab.demo.exports` (one table per channel file), :mod:`~cimlab.demo.formatting` (how
each channel writes values), :mod:`~cimlab.demo.tables` (rows broken on purpose),
:mod:`~cimlab.demo.writers` (file bytes), :mod:`~cimlab.demo.truth` and
:mod:`~cimlab.demo.manifest`; :mod:`~cimlab.demo.generate` writes them all and
:mod:`~cimlab.demo.build` imports them into a workspace.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> with tempfile.TemporaryDirectory() as tmp:
...     manifest = generate_demo_files(Path(tmp), people=200)
...     [f.path for f in manifest.files][2:6]
['store_members.csv', 'call_centre_contacts.csv', 'tmall_members.csv', 'online_shop_orders.csv']
"""

from __future__ import annotations

from cimlab.demo.build import DemoBuild, build_demo_workspace
from cimlab.demo.generate import generate_demo_files
from cimlab.demo.manifest import (
    BAD_ROW_KINDS,
    SALES_CHANNELS,
    BadRow,
    DemoFile,
    Manifest,
    demo_paths,
    read_manifest,
)
from cimlab.demo.vocabulary import BEHAVIOURS

__all__ = [
    "BAD_ROW_KINDS",
    "BEHAVIOURS",
    "SALES_CHANNELS",
    "BadRow",
    "DemoBuild",
    "DemoFile",
    "Manifest",
    "build_demo_workspace",
    "demo_paths",
    "generate_demo_files",
    "read_manifest",
]
