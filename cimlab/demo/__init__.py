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
- **Bundles**: seven product pairs (``_BUNDLES``: yoga mat (pro) + yoga block, smartphone +
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

Examples
--------
>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     manifest = generate_demo_files(Path(tmp), people=200)
...     [f.path for f in manifest.files][2:6]
['store_members.csv', 'call_centre_contacts.csv', 'tmall_members.csv', 'online_shop_orders.csv']
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import yaml

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

SALES_CHANNELS = ("online_shop", "tmall", "wechat", "offline_store")
BAD_ROW_KINDS = (
    "impossible_date",
    "unreadable_amount",
    "missing_amount",
    "negative_amount",
    "unknown_status",
    "garbage_phone",
    "malformed_email",
    "nps_out_of_range",
    "csat_out_of_range",
    "too_few_fields",
    "too_many_fields",
    "empty_id",
)

_WINDOW_DAYS = 730
_MANIFEST_VERSION = 1

# ---------------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------------

# (surname, pinyin, weight)
_SURNAMES: tuple[tuple[str, str, float], ...] = (
    ("王", "wang", 7.1), ("李", "li", 7.0), ("张", "zhang", 6.7), ("刘", "liu", 5.4),
    ("陈", "chen", 4.5), ("杨", "yang", 3.1), ("黄", "huang", 2.2), ("赵", "zhao", 2.0),
    ("吴", "wu", 2.0), ("周", "zhou", 1.9), ("徐", "xu", 1.5), ("孙", "sun", 1.5),
    ("马", "ma", 1.4), ("朱", "zhu", 1.3), ("胡", "hu", 1.3), ("郭", "guo", 1.2),
    ("何", "he", 1.1), ("林", "lin", 1.0), ("高", "gao", 1.0), ("罗", "luo", 0.9),
    ("郑", "zheng", 0.9), ("梁", "liang", 0.8), ("谢", "xie", 0.7), ("宋", "song", 0.6),
    ("唐", "tang", 0.6), ("许", "xu", 0.6), ("韩", "han", 0.6), ("冯", "feng", 0.5),
    ("邓", "deng", 0.5), ("曹", "cao", 0.5), ("彭", "peng", 0.5), ("曾", "zeng", 0.5),
    ("萧", "xiao", 0.4), ("田", "tian", 0.4), ("董", "dong", 0.4), ("潘", "pan", 0.4),
    ("袁", "yuan", 0.4), ("蔡", "cai", 0.3), ("蒋", "jiang", 0.3), ("余", "yu", 0.3),
    ("于", "yu", 0.3), ("杜", "du", 0.3), ("叶", "ye", 0.3), ("程", "cheng", 0.3),
    ("魏", "wei", 0.3), ("苏", "su", 0.3), ("吕", "lv", 0.3), ("丁", "ding", 0.3),
    ("任", "ren", 0.3), ("沈", "shen", 0.3), ("欧阳", "ouyang", 0.1), ("司马", "sima", 0.05),
)  # fmt: skip
_GIVEN_FEMALE: tuple[tuple[str, str], ...] = (
    ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("艳", "yan"),
    ("娟", "juan"), ("霞", "xia"), ("婷", "ting"), ("雪", "xue"), ("琳", "lin"), ("颖", "ying"),
    ("慧", "hui"), ("佳", "jia"), ("欣", "xin"), ("怡", "yi"), ("萱", "xuan"), ("梦", "meng"),
    ("晶", "jing"), ("倩", "qian"), ("璐", "lu"), ("瑶", "yao"), ("雅", "ya"), ("琪", "qi"),
    ("玥", "yue"), ("诗", "shi"), ("涵", "han"), ("思", "si"), ("雨", "yu"), ("悦", "yue"),
    ("秀", "xiu"), ("英", "ying"), ("兰", "lan"), ("玲", "ling"), ("燕", "yan"), ("红", "hong"),
    ("梅", "mei"), ("晓", "xiao"), ("文", "wen"), ("嘉", "jia"),
)  # fmt: skip
_GIVEN_MALE: tuple[tuple[str, str], ...] = (
    ("伟", "wei"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"),
    ("杰", "jie"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("斌", "bin"), ("鹏", "peng"),
    ("浩", "hao"), ("宇", "yu"), ("轩", "xuan"), ("博", "bo"), ("俊", "jun"), ("辉", "hui"),
    ("刚", "gang"), ("峰", "feng"), ("建", "jian"), ("国", "guo"), ("华", "hua"), ("志", "zhi"),
    ("平", "ping"), ("东", "dong"), ("海", "hai"), ("林", "lin"), ("子", "zi"), ("然", "ran"),
    ("晨", "chen"), ("昊", "hao"), ("天", "tian"), ("睿", "rui"), ("泽", "ze"), ("凯", "kai"),
    ("文", "wen"), ("嘉", "jia"), ("晓", "xiao"), ("一", "yi"),
)  # fmt: skip
# Characters outside GBK (CJK extension A/B): people who carry them need GB18030.
_RARE_GIVEN: tuple[tuple[str, str], ...] = (("䶮", "yan"), ("𠮷", "ji"))
_EN_FEMALE = (
    "Emma", "Olivia", "Sophia", "Grace", "Chloe", "Emily", "Hannah", "Lucy", "Amelia", "Charlotte",
    "Mia", "Jessica", "Sarah", "Laura", "Anna", "Kate", "Rachel", "Helen", "Julia", "Claire",
)  # fmt: skip
_EN_MALE = (
    "James", "John", "David", "Michael", "Daniel", "Thomas", "William", "Oliver", "Jack", "Henry",
    "Peter", "Paul", "Mark", "Lucas", "Ethan", "Samuel", "Robert", "Andrew", "Matthew", "Kevin",
)  # fmt: skip
_EN_LAST = (
    "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Miller", "Davis", "Anderson", "Thomas",
    "Moore", "Martin", "Clark", "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Scott",
    "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter",
)  # fmt: skip
_WECHAT_NICKNAMES = (
    "小鱼儿🐟", "阳光", "Lily", "晴天", "🌸花花", "A-宝妈", "老王", "Tina", "木子", "快乐每一天",
    "风一样的男子", "Momo", "糖糖", "一叶知秋", "Jason", "小太阳☀️", "猫咪", "静待花开",
)  # fmt: skip
_NICK_HEAD = ("小", "大", "爱吃", "快乐的", "胖", "萌萌", "阿", "懒", "酷", "甜")
_NICK_TAIL = ("猫", "鱼", "兔子", "熊", "星星", "月亮", "饼干", "柠檬", "橙子", "布丁", "豆豆")
_COMPANY_WORDS = ("恒信", "华美", "金达", "宏远", "新锐", "鼎盛", "嘉禾", "优品", "瑞丰", "百川")
_COMPANY_TYPES = ("贸易", "科技", "餐饮管理", "文化传媒", "电子商务", "酒店管理")
_EN_COMPANIES = ("Trading Ltd", "Consulting Co.", "Hospitality Ltd", "Design Studio", "Tech Ltd")

# (province_zh, city_zh, province_en, city_en, weight, municipality)
_CITIES: tuple[tuple[str, str, str, str, float, bool], ...] = (
    ("上海", "上海", "Shanghai", "Shanghai", 12, True),
    ("北京", "北京", "Beijing", "Beijing", 11, True),
    ("广东", "广州", "Guangdong", "Guangzhou", 8, False),
    ("广东", "深圳", "Guangdong", "Shenzhen", 9, False),
    ("浙江", "杭州", "Zhejiang", "Hangzhou", 7, False),
    ("江苏", "南京", "Jiangsu", "Nanjing", 5, False),
    ("江苏", "苏州", "Jiangsu", "Suzhou", 5, False),
    ("四川", "成都", "Sichuan", "Chengdu", 6, False),
    ("重庆", "重庆", "Chongqing", "Chongqing", 4, True),
    ("湖北", "武汉", "Hubei", "Wuhan", 4, False),
    ("陕西", "西安", "Shaanxi", "Xi'an", 3, False),
    ("天津", "天津", "Tianjin", "Tianjin", 3, True),
    ("湖南", "长沙", "Hunan", "Changsha", 3, False),
    ("福建", "厦门", "Fujian", "Xiamen", 2, False),
    ("山东", "青岛", "Shandong", "Qingdao", 3, False),
    ("河南", "郑州", "Henan", "Zhengzhou", 2, False),
    ("辽宁", "沈阳", "Liaoning", "Shenyang", 2, False),
    ("云南", "昆明", "Yunnan", "Kunming", 2, False),
)
# (code, name, city_zh)
_STORES: tuple[tuple[str, str, str], ...] = (
    ("SH01", "上海南京西路店", "上海"), ("SH02", "上海徐家汇店", "上海"),
    ("BJ01", "北京三里屯店", "北京"), ("BJ02", "北京国贸店", "北京"),
    ("GZ01", "广州天河城店", "广州"), ("SZ01", "深圳万象城店", "深圳"),
    ("HZ01", "杭州湖滨店", "杭州"), ("NJ01", "南京新街口店", "南京"),
    ("CD01", "成都太古里店", "成都"), ("WH01", "武汉江汉路店", "武汉"),
)  # fmt: skip

# (code, zh, en, popularity, (product zh, product en, list price), (variant zh, en, multiplier))
_CATEGORIES: tuple[
    tuple[str, str, str, float, tuple[tuple[str, str, float], ...], tuple[tuple[str, str, float], ...]], ...
] = (
    ("AP", "服装", "Apparel", 14,
     (("纯棉T恤", "Cotton T-shirt", 79), ("牛仔裤", "Jeans", 299), ("羊毛衫", "Wool sweater", 459),
      ("羽绒服", "Down jacket", 899), ("连衣裙", "Dress", 399), ("衬衫", "Shirt", 199)),
     (("黑色", "black", 1.0), ("白色", "white", 1.0))),
    ("SH", "鞋靴", "Shoes", 9,
     (("跑步鞋", "Running shoes", 599), ("帆布鞋", "Canvas shoes", 189), ("皮靴", "Leather boots", 799),
      ("拖鞋", "Slippers", 39.9), ("高跟鞋", "High heels", 459), ("板鞋", "Skate shoes", 329)),
     (("经典款", "classic", 1.0), ("联名款", "collab edition", 1.5))),
    ("BE", "美妆", "Beauty", 13,
     (("口红", "Lipstick", 239), ("粉底液", "Foundation", 399), ("面霜", "Face cream", 699),
      ("精华液", "Serum", 899), ("面膜", "Sheet masks", 129), ("眼影盘", "Eyeshadow palette", 359)),
     (("标准装", "standard", 1.0), ("礼盒装", "gift box", 1.8))),
    ("PC", "个护", "Personal care", 12,
     (("洗发水", "Shampoo", 59.9), ("沐浴露", "Body wash", 49.9), ("电动牙刷", "Electric toothbrush", 299),
      ("牙膏", "Toothpaste", 9.9), ("护手霜", "Hand cream", 39.9), ("剃须刀", "Shaver", 499)),
     (("单支装", "single", 1.0), ("家庭装", "family pack", 2.2))),
    ("MB", "母婴", "Mother & baby", 8,
     (("纸尿裤", "Diapers", 149), ("婴儿奶粉", "Infant formula", 329), ("婴儿湿巾", "Baby wipes", 29.9),
      ("儿童餐具", "Kids tableware", 89), ("婴儿推车", "Stroller", 1899), ("安抚玩具", "Soft toy", 79)),
     (("标准款", "standard", 1.0), ("加大款", "large", 1.3))),
    ("FD", "食品", "Food & snacks", 12,
     (("坚果礼盒", "Mixed nuts", 139), ("绿茶", "Green tea", 99), ("咖啡豆", "Coffee beans", 89),
      ("牛肉干", "Beef jerky", 49.9), ("月饼", "Mooncakes", 199), ("蜂蜜", "Honey", 69.9)),
     (("小包装", "small pack", 1.0), ("大包装", "large pack", 1.9))),
    ("HM", "家居", "Home", 10,
     (("四件套床品", "Bedding set", 499), ("乳胶枕", "Latex pillow", 259), ("保温杯", "Insulated bottle", 129),
      ("香薰蜡烛", "Scented candle", 89), ("收纳箱", "Storage box", 59.9), ("毛巾套装", "Towel set", 79),
      ("茶壶", "Teapot", 159)),
     (("米白", "ivory", 1.0), ("灰色", "grey", 1.0))),
    ("EL", "数码", "Electronics", 9,
     (("蓝牙耳机", "Bluetooth earbuds", 699), ("充电宝", "Power bank", 149), ("智能手表", "Smartwatch", 1999),
      ("机械键盘", "Mechanical keyboard", 459), ("数据线", "Charging cable", 29.9),
      ("平板支架", "Tablet stand", 69), ("智能手机", "Smartphone", 2499), ("手机壳", "Phone case", 49)),
     (("标准版", "standard", 1.0), ("Pro版", "Pro", 1.6))),
    ("SP", "运动", "Sports", 7,
     (("瑜伽垫", "Yoga mat", 129), ("哑铃", "Dumbbells", 199), ("运动水壶", "Sports bottle", 59.9),
      ("跳绳", "Skipping rope", 29.9), ("速干衣", "Quick-dry top", 149), ("登山包", "Hiking backpack", 399),
      ("瑜伽砖", "Yoga block", 39.9)),
     (("入门款", "entry", 1.0), ("专业款", "pro", 1.7))),
    ("BK", "图书", "Books", 6,
     (("小说", "Novel", 45), ("儿童绘本", "Picture book", 39.9), ("烹饪书", "Cookbook", 68),
      ("历史读物", "History book", 79), ("英语词典", "English dictionary", 129), ("漫画", "Comic", 35)),
     (("平装", "paperback", 1.0), ("精装", "hardcover", 1.6))),
)  # fmt: skip
# Products bought together (SKU codes of the catalogue above) and how often each bundle is
# chosen: an order of two or more lines holds one of them with probability _BUNDLE_P.
_BUNDLES: tuple[tuple[str, str, float], ...] = (
    ("SP012", "SP071", 3),  # Yoga mat (pro) + Yoga block (entry)
    ("EL071", "EL081", 3),  # Smartphone (standard) + Phone case (standard)
    ("FD021", "HM071", 2),  # Green tea (small pack) + Teapot (ivory)
    ("PC011", "PC021", 3),  # Shampoo (single) + Body wash (single)
    ("MB011", "MB031", 3),  # Diapers (standard) + Baby wipes (standard)
    ("BE041", "BE031", 2),  # Serum (standard) + Face cream (standard)
    ("SH011", "SP031", 2),  # Running shoes (classic) + Sports bottle (entry)
)
_BUNDLE_P = 0.12
_TITLE_TAILS = ("2025新款", "正品保证", "官方正品", "包邮", "热卖爆款", "限时特惠")

_NOTES: dict[str, tuple[str, ...]] = {
    "call": ("咨询订单物流", "询问退货流程", "Asked about delivery time", "会员积分查询",
             "Changed delivery address", "咨询发票"),
    "email": ("发票申请", "Requested an invoice", "Asked for the size guide", "修改收货地址"),
    "chat": ("咨询商品尺码", "Asked about stock", "优惠券无法使用", "Question about a product",
             "询问活动规则"),
    "complaint": ("商品破损", "快递太慢", "Wrong item delivered", "Refund not received yet",
                  "客服态度差", "Item not as described"),
    "visit": ("门店试穿", "Store visit: returned an item", "到店自提", "参加会员活动"),
}  # fmt: skip
_COMMENTS: dict[str, tuple[str, ...]] = {
    "promoter": ("很满意，会回购", "Great quality, fast delivery", "物流很快，包装很好",
                 "Love it!", "客服很耐心", "Will recommend to friends"),
    "passive": ("还可以", "OK overall", "价格有点贵", "Delivery was a bit slow", "一般般"),
    "detractor": ("质量一般", "Item arrived damaged", "客服回复太慢", "Not as described",
                  "退款太慢", "Never again"),
}  # fmt: skip
_PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "156", "157", "158", "159", "166", "176", "177", "178", "180", "181", "182", "183", "185",
    "186", "187", "188", "189", "191", "198", "199",
)  # fmt: skip
_EMAIL_DOMAINS = (
    ("qq.com", 0.30), ("163.com", 0.20), ("126.com", 0.08), ("gmail.com", 0.12),
    ("outlook.com", 0.10), ("sina.com", 0.05), ("foxmail.com", 0.05), ("hotmail.com", 0.05),
    ("icloud.com", 0.05),
)  # fmt: skip
_OPENID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# Landline area codes of the cities above (office lines in the call centre's contact list).
_AREA_CODES = {
    "上海": "021", "北京": "010", "广州": "020", "深圳": "0755", "杭州": "0571", "南京": "025",
    "苏州": "0512", "成都": "028", "重庆": "023", "武汉": "027", "西安": "029", "天津": "022",
    "长沙": "0731", "厦门": "0592", "青岛": "0532", "郑州": "0371", "沈阳": "024", "昆明": "0871",
}  # fmt: skip

# Order status codes used internally.
_PAID, _REFUNDED, _CANCELLED, _PENDING = 0, 1, 2, 3
_STATUS_EN = ("paid", "refunded", "cancelled", "pending")
_STATUS_STORE = ("已完成", "已退款", "已取消")
_TMALL_SHIPPING = ("卖家已发货", "等待买家确认收货", "买家已付款", "等待卖家发货")

# Buying behaviour of a person (``behaviour`` in ``_truth/people.csv``).
BEHAVIOURS = ("regular", "one_time", "loyal", "lapsed", "won_back", "new")
_REGULAR, _ONE_TIME, _LOYAL, _LAPSED, _WON_BACK, _NEW = range(len(BEHAVIOURS))
# P(behaviour) by the person's first sales channel (single-channel people) and for people of
# several channels (last row): Tmall brings one-time buyers, stores and WeChat loyal ones.
_BEHAVIOUR_P = np.array(
    [
        # regular one_time loyal lapsed won_back new
        [0.34, 0.28, 0.09, 0.15, 0.05, 0.09],  # online_shop
        [0.24, 0.46, 0.03, 0.15, 0.03, 0.09],  # tmall
        [0.40, 0.18, 0.14, 0.12, 0.07, 0.09],  # wechat
        [0.38, 0.14, 0.20, 0.14, 0.05, 0.09],  # offline_store
        [0.44, 0.04, 0.26, 0.11, 0.07, 0.08],  # two or more channels
    ]
)
# Orders per year in each channel for a regular buyer, and the multiplier per behaviour.
_ORDERS_PER_YEAR = {"online_shop": 2.0, "tmall": 1.5, "wechat": 2.0, "offline_store": 2.4}
_BEHAVIOUR_RATE = np.array([1.0, 0.0, 4.0, 1.6, 1.4, 1.5])
# Days (from the window start) of the service trouble: a courier backlog around the Spring
# Festival delays online deliveries (late_day_share of the online orders of those days).
_DELAY = (555, 612)

# ---------------------------------------------------------------------------------------------
# Manifest
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BadRow:
    """A row broken on purpose: where it is, which column, what kind of problem, what value."""

    line: int
    column: str | None
    kind: str
    value: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain mapping for YAML."""
        return {"line": self.line, "column": self.column, "kind": self.kind, "value": self.value}


@dataclass(frozen=True)
class DemoFile:
    """One generated file as the manifest describes it (``path`` relative to the demo folder)."""

    path: str
    table: str
    channel: str
    mapping: str
    encoding: str | None
    format: str
    rows: int
    sha256: str
    expected_bad_rows: tuple[BadRow, ...] = ()
    delimiter: str | None = None
    sheet: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain mapping for YAML, keys in manifest order."""
        return {
            "path": self.path,
            "table": self.table,
            "channel": self.channel,
            "mapping": self.mapping,
            "encoding": self.encoding,
            "format": self.format,
            "delimiter": self.delimiter,
            "sheet": self.sheet,
            "rows": self.rows,
            "sha256": self.sha256,
            "expected_bad_rows": [b.to_dict() for b in self.expected_bad_rows],
        }


@dataclass(frozen=True)
class Manifest:
    """What :func:`generate_demo_files` wrote: the files in import order and the truth files."""

    seed: int
    people: int
    as_of: date
    files: tuple[DemoFile, ...]
    truth: dict[str, str] = field(default_factory=dict)

    def file(self, path: str) -> DemoFile:
        """The entry of ``path``.

        Examples
        --------
        >>> Manifest(7, 10, date(2026, 6, 30), ()).file("x.csv")
        Traceback (most recent call last):
        ...
        KeyError: "path='x.csv' is not in the manifest."
        """
        for entry in self.files:
            if entry.path == path:
                return entry
        raise KeyError(f"path={path!r} is not in the manifest.")

    def to_dict(self) -> dict[str, Any]:
        """Plain mapping for YAML."""
        return {
            "generator": "cimlab.demo",
            "version": _MANIFEST_VERSION,
            "seed": self.seed,
            "people": self.people,
            "as_of": self.as_of.isoformat(),
            "timezone": "Asia/Shanghai",
            "files": [f.to_dict() for f in self.files],
            "truth": dict(self.truth),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        """Rebuild a manifest from :meth:`to_dict` output."""
        files = tuple(
            DemoFile(
                path=f["path"],
                table=f["table"],
                channel=f["channel"],
                mapping=f["mapping"],
                encoding=f["encoding"],
                format=f["format"],
                rows=int(f["rows"]),
                sha256=f["sha256"],
                expected_bad_rows=tuple(BadRow(**b) for b in f["expected_bad_rows"]),
                delimiter=f.get("delimiter"),
                sheet=f.get("sheet"),
            )
            for f in data["files"]
        )
        return cls(
            seed=int(data["seed"]),
            people=int(data["people"]),
            as_of=date.fromisoformat(str(data["as_of"])),
            files=files,
            truth=dict(data.get("truth") or {}),
        )


def read_manifest(path: Path) -> Manifest:
    """Read ``manifest.yaml`` written by :func:`generate_demo_files`.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     written = generate_demo_files(Path(tmp), people=200)
    ...     read_manifest(Path(tmp) / "manifest.yaml") == written
    True
    """
    return Manifest.from_dict(yaml.safe_load(Path(path).read_text(encoding="utf-8")))


def demo_paths(root: Path) -> tuple[Path, Path]:
    """The demo folder and the demo workspace folder of a project checkout at ``root``.

    Examples
    --------
    >>> [p.as_posix() for p in demo_paths(Path("/repo"))]
    ['/repo/data/demo', '/repo/data/workspace']
    """
    root = Path(root)
    return root / "data" / "demo", root / "data" / "workspace"


# ---------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------


class _People:
    """Everything about the fictional people, column-wise (index = person number)."""

    def __init__(self, rng: np.random.Generator, n: int, as_of: date) -> None:
        self.n = n
        self.ids = [f"P{i + 1:05d}" for i in range(n)]
        female = rng.random(n) < 0.54
        english = rng.random(n) < 0.15
        western = rng.random(n) < 0.5  # English-named: Western surname or a Chinese one
        sur_w = np.array([s[2] for s in _SURNAMES])
        sur = rng.choice(len(_SURNAMES), n, p=sur_w / sur_w.sum())
        two_chars = rng.random(n) < 0.7
        g1 = rng.integers(0, len(_GIVEN_FEMALE), n)
        g2 = rng.integers(0, len(_GIVEN_FEMALE), n)
        en_first = rng.integers(0, len(_EN_FEMALE), n)
        en_last = rng.integers(0, len(_EN_LAST), n)

        self.female = female
        self.english = english
        self.name: list[str] = []
        self.surname: list[str] = []  # as written in the name (Chinese or Latin)
        self.given_latin: list[str] = []
        self.surname_latin: list[str] = []
        for i in range(n):
            if english[i]:
                first = (_EN_FEMALE if female[i] else _EN_MALE)[en_first[i]]
                last = _EN_LAST[en_last[i]] if western[i] else _SURNAMES[sur[i]][1].capitalize()
                self.name.append(f"{first} {last}")
                self.surname.append(first)
                self.given_latin.append(first)
                self.surname_latin.append(last)
            else:
                s_zh, s_py, _ = _SURNAMES[sur[i]]
                pool = _GIVEN_FEMALE if female[i] else _GIVEN_MALE
                given = [pool[g1[i]]] + ([pool[g2[i]]] if two_chars[i] else [])
                self.name.append(s_zh + "".join(c for c, _ in given))
                self.surname.append(s_zh)
                self.given_latin.append("".join(p for _, p in given).capitalize())
                self.surname_latin.append(s_py.capitalize())

        age_days = (np.clip(rng.normal(36, 11, n), 18, 75) * 365.25).astype(np.int64)
        self.birth = [as_of - timedelta(days=int(d)) for d in age_days]
        city_w = np.array([c[4] for c in _CITIES], dtype=float)
        self.city = rng.choice(len(_CITIES), n, p=city_w / city_w.sum())

        prefixes = rng.integers(0, len(_PHONE_PREFIXES), n)
        rests = rng.integers(0, 10**8, n)
        seen: set[str] = set()
        self.phone: list[str] = []
        for i in range(n):
            rest = int(rests[i])
            phone = f"{_PHONE_PREFIXES[prefixes[i]]}{rest:08d}"
            while phone in seen:  # unique per person, deterministic
                rest = (rest + 7919) % 10**8
                phone = f"{_PHONE_PREFIXES[prefixes[i]]}{rest:08d}"
            seen.add(phone)
            self.phone.append(phone)

        self.business = rng.random(n) < 0.03
        cw = rng.integers(0, len(_COMPANY_WORDS), n)
        ct = rng.integers(0, len(_COMPANY_TYPES), n)
        self.company: list[str | None] = [
            None
            if not self.business[i]
            else (
                f"{self.surname_latin[i]} {_EN_COMPANIES[ct[i] % len(_EN_COMPANIES)]}"
                if english[i]
                else f"{_CITIES[self.city[i]][1]}{_COMPANY_WORDS[cw[i]]}{_COMPANY_TYPES[ct[i]]}有限公司"
            )
            for i in range(n)
        ]
        self.consent_email = rng.random(n) < 0.72
        self.consent_sms = rng.random(n) < 0.55
        self.consent_wechat = rng.random(n) < 0.70
        cat_w = np.array([c[3] for c in _CATEGORIES], dtype=float)
        self.fav_category = rng.choice(len(_CATEGORIES), n, p=cat_w / cat_w.sum())

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
            char, py = _RARE_GIVEN[r % len(_RARE_GIVEN)]
            self.name[i] = self.surname[i] + char
            self.given_latin[i] = py.capitalize()

        p_email = np.where(self.uses[:, 0], 0.85, 0.45)
        has_email = rng.random(n) < p_email
        style = rng.integers(0, 4, n)
        digits = rng.integers(1, 100, n)
        qq = rng.integers(10**5, 10**10, n)
        dom_w = np.array([d[1] for d in _EMAIL_DOMAINS])
        dom = rng.choice(len(_EMAIL_DOMAINS), n, p=dom_w / dom_w.sum())
        used: set[str] = set()
        self.email: list[str | None] = []
        for i in range(n):
            if not has_email[i]:
                self.email.append(None)
                continue
            g, s = self.given_latin[i].lower(), self.surname_latin[i].lower()
            domain = _EMAIL_DOMAINS[dom[i]][0]
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
        cum = np.cumsum(_BEHAVIOUR_P[row], axis=1)
        self.kind = (rng.random(n)[:, None] > cum).sum(axis=1)
        self.kind = np.minimum(self.kind, len(BEHAVIOURS) - 1)
        self.lapse_day = rng.integers(_WINDOW_DAYS - 600, _WINDOW_DAYS - 380, n)  # last order
        self.early_end = rng.integers(90, 200, n)  # won back: first spell ends ...
        self.late_start = rng.integers(_WINDOW_DAYS - 170, _WINDOW_DAYS - 20, n)  # ... returns
        self.new_start = rng.integers(_WINDOW_DAYS - 88, _WINDOW_DAYS - 5, n)
        # How the person feels about the brand: loyal buyers like it, leavers less so.
        kind_mood = np.array([0.0, -0.35, 0.55, -0.45, 0.1, 0.1])
        self.mood = rng.normal(0.0, 0.8, n) + kind_mood[self.kind]


# ---------------------------------------------------------------------------------------------
# Orders
# ---------------------------------------------------------------------------------------------


@dataclass
class _Orders:
    """Order lines of one channel, sorted by order time (line-level arrays, order-level index)."""

    order: np.ndarray  # order number (0..n_orders-1, in time order) of each line
    line: np.ndarray  # 1-based line number within the order
    member: np.ndarray  # index into the channel's member list
    seconds: np.ndarray  # seconds since the window start
    status: np.ndarray  # _PAID, _REFUNDED, _CANCELLED, _PENDING
    sku: np.ndarray
    qty: np.ndarray
    n_orders: int


class _Catalogue:
    def __init__(self) -> None:
        self.sku: list[str] = []
        self.name_zh: list[str] = []
        self.name_en: list[str] = []
        self.category_zh: list[str] = []
        self.category_en: list[str] = []
        self.title: list[str] = []
        prices: list[float] = []
        sizes: list[int] = []
        for ci, (code, cat_zh, cat_en, _, products, variants) in enumerate(_CATEGORIES):
            sizes.append(len(products) * len(variants))
            for bi, (base_zh, base_en, list_price) in enumerate(products):
                for vi, (var_zh, var_en, mult) in enumerate(variants):
                    price = list_price * mult
                    if mult != 1.0:  # shop prices end in 9 (99, 199) or .9 (59.9)
                        price = round(price) - 0.1 if price < 100 else round(price / 10) * 10 - 1
                    self.sku.append(f"{code}{bi + 1:02d}{vi + 1}")
                    self.name_zh.append(f"{base_zh}（{var_zh}）")
                    self.name_en.append(f"{base_en} ({var_en})")
                    self.category_zh.append(cat_zh)
                    self.category_en.append(cat_en)
                    tail = _TITLE_TAILS[(ci + bi + vi) % len(_TITLE_TAILS)]
                    self.title.append(f"【官方旗舰店】{base_zh} {var_zh} {tail}")
                    prices.append(min(price, 2999.0))
        self.price = np.array(prices)
        self.size = np.array(sizes)  # SKUs per category
        self.offset = np.cumsum(self.size) - self.size  # index of each category's first SKU
        index = {sku: k for k, sku in enumerate(self.sku)}
        self.bundles = np.array([[index[a], index[b]] for a, b, _ in _BUNDLES])
        weights = np.array([w for _, _, w in _BUNDLES])
        self.bundle_w = weights / weights.sum()


def _hour_weights(kind: str) -> np.ndarray:
    if kind == "store":
        w = np.array([0] * 10 + [4, 6, 7, 6, 6, 7, 8, 9, 9, 8, 6, 3] + [0, 0], dtype=float)
    else:
        w = np.array([1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.8, 2, 3, 4, 5, 5, 6, 5, 5, 5, 5, 5, 6, 7, 9,
                      10, 8, 4], dtype=float)  # fmt: skip
    return w / w.sum()


def _make_orders(
    rng: np.random.Generator,
    *,
    plan: _Plan,
    fav: np.ndarray,
    business: np.ndarray,
    orders_per_year: float,
    at_least_one: bool,
    line_p: Sequence[float],
    hours: str,
    pending: bool,
    catalogue: _Catalogue,
) -> _Orders:
    m = len(plan.lo)
    late = plan.late_lo >= 0
    span = (plan.hi - plan.lo) + np.where(late, _WINDOW_DAYS - plan.late_lo, 0)
    rate = rng.gamma(0.9, 1 / 0.9, m) * orders_per_year * plan.mult * span / 365
    n_orders = np.clip(rng.poisson(rate), plan.min_orders, plan.max_orders)
    if at_least_one:
        n_orders = np.maximum(n_orders, 1)
    member = np.repeat(np.arange(m), n_orders)
    total = len(member)
    # won back: the first half of the orders (at least one) before the gap, the rest after it
    rank = np.arange(total) - np.repeat(np.cumsum(n_orders) - n_orders, n_orders)
    after_gap = late[member] & (rank >= np.maximum(1, (n_orders[member] + 1) // 2))
    lo = np.where(after_gap, plan.late_lo[member], plan.lo[member])
    hi = np.where(after_gap, _WINDOW_DAYS, plan.hi[member])
    day = lo + np.floor(rng.random(total) * (hi - lo)).astype(np.int64)
    hour = rng.choice(24, total, p=_hour_weights(hours))
    secs = hour * 3600 + rng.integers(0, 3600, total)
    u = rng.random(total)
    status = np.full(total, _PAID)
    status[u < 0.05] = _REFUNDED
    status[(u >= 0.05) & (u < 0.08)] = _CANCELLED
    if pending:  # placed in the last days (only by people still buying)
        is_pending = (u >= 0.08) & (u < 0.09) & (hi == _WINDOW_DAYS)
        status[is_pending] = _PENDING
        recent = _WINDOW_DAYS - 1 - rng.integers(0, 3, total)
        day = np.where(is_pending, np.maximum(recent, lo), day)
    seconds = day * 86400 + secs
    by_time = np.lexsort((member, seconds))
    member, seconds, status = member[by_time], seconds[by_time], status[by_time]

    n_lines = rng.choice(len(line_p), total, p=np.asarray(line_p)) + 1
    order = np.repeat(np.arange(total), n_lines)
    first = np.repeat(np.cumsum(n_lines) - n_lines, n_lines)
    line = np.arange(len(order)) - first + 1
    lm = member[order]
    n = len(order)
    random_cat = rng.choice(len(_CATEGORIES), n)
    category = np.where(rng.random(n) < 0.55, fav[lm], random_cat)
    sku = catalogue.offset[category] + np.floor(rng.random(n) * catalogue.size[category]).astype(
        np.int64
    )
    # planted bundles: lines 1 and 2 of some orders of two or more lines
    bundled = np.flatnonzero((n_lines >= 2) & (rng.random(total) < _BUNDLE_P))
    which = rng.choice(len(catalogue.bundles), len(bundled), p=catalogue.bundle_w)
    head = (np.cumsum(n_lines) - n_lines)[bundled]
    sku[head] = catalogue.bundles[which, 0]
    sku[head + 1] = catalogue.bundles[which, 1]
    qty = rng.choice(6, n, p=[0.75, 0.17, 0.05, 0.01, 0.01, 0.01]) + 1
    qty = np.where(business[lm], qty + rng.integers(2, 20, n), qty)
    return _Orders(
        order=order,
        line=line,
        member=lm,
        seconds=seconds[order],
        status=status[order],
        sku=sku,
        qty=qty,
        n_orders=total,
    )


@dataclass
class _Plan:
    """Per channel member: when they buy and how much (days from the window start)."""

    lo: np.ndarray  # first possible order day
    hi: np.ndarray  # end (exclusive) of the buying spell (before the gap for won-back people)
    late_lo: np.ndarray  # won back: first day of the second spell (to the window end), else -1
    mult: np.ndarray  # order-rate multiplier
    min_orders: np.ndarray
    max_orders: np.ndarray


# ---------------------------------------------------------------------------------------------
# Tables and broken rows
# ---------------------------------------------------------------------------------------------


@dataclass
class _Table:
    header: list[str]
    rows: list[list[Any]]
    first_line: int  # physical line of the first data row
    bad: list[BadRow] = field(default_factory=list)
    used: set[int] = field(default_factory=set)


def _pick(rng: np.random.Generator, table: _Table, ok: Callable[[list[Any]], bool]) -> int:
    """A random unused row satisfying ``ok`` (deterministic for a given generator state)."""
    for _ in range(10_000):
        i = int(rng.integers(0, len(table.rows)))
        if i not in table.used and ok(table.rows[i]):
            table.used.add(i)
            return i
    raise ValueError("No row left to break; generate more people (people >= 100).")


def _break(
    rng: np.random.Generator,
    table: _Table,
    kind: str,
    column: str | None,
    make: Callable[[Any], Any],
    *,
    ok: Callable[[list[Any]], bool] = lambda row: True,
) -> None:
    """Break one row: set ``column`` to ``make(old)``, or change the field count."""
    i = _pick(rng, table, ok)
    row = table.rows[i]
    if kind == "too_few_fields":
        table.rows[i] = row[: len(row) - 2]
        value = None
    elif kind == "too_many_fields":
        table.rows[i] = [*row, "see note"]
        value = None
    else:
        assert column is not None
        j = table.header.index(column)
        row[j] = make(row[j])
        value = None if row[j] is None else str(row[j])
    table.bad.append(BadRow(line=table.first_line + i, column=column, kind=kind, value=value))


def _col(table: _Table, column: str) -> Callable[[list[Any]], Any]:
    j = table.header.index(column)
    return lambda row: row[j]


# ---------------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------------


def _csv_bytes(table: _Table, *, encoding: str, delimiter: str = ",", newline: str = "\n") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    writer.writerow(table.header)
    writer.writerows(table.rows)
    return buf.getvalue().encode(encoding)


def _ndjson_bytes(table: _Table) -> bytes:
    lines = [
        json.dumps(dict(zip(table.header, r, strict=True)), ensure_ascii=False) for r in table.rows
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _json_array_bytes(table: _Table) -> bytes:
    objs = [
        json.dumps(dict(zip(table.header, r, strict=True)), ensure_ascii=False) for r in table.rows
    ]
    return ("[\n" + ",\n".join(objs) + "\n]\n").encode("utf-8")


def _xlsx_bytes(table: _Table, *, sheet: str, notes: list[list[str]], as_of: date) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    ws.append(table.header)
    when_col = table.header.index("成为客户时间") + 1
    for row in table.rows:
        ws.append([None if v == "" else v for v in row])
    for cell in ws.iter_cols(min_col=when_col, max_col=when_col, min_row=2):
        for c in cell:
            c.number_format = "yyyy-mm-dd hh:mm:ss"
    hidden = wb.create_sheet("说明")
    for note in notes:
        hidden.append(note)
    hidden.sheet_state = "hidden"
    stamp = datetime(as_of.year, as_of.month, as_of.day)
    wb.properties.creator = "cimlab demo"
    wb.properties.created = stamp
    raw = io.BytesIO()
    wb.save(raw)
    # openpyxl stamps "modified" with the clock and zip entries with the local time: pin both.
    modified = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + modified.encode() + rb"\g<2>",
                    data,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, data)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Formatting helpers
# ---------------------------------------------------------------------------------------------


def _money(x: float) -> str:
    return f"{x:.2f}"


def _short_money(x: float) -> str:
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _yen(x: float) -> str:
    return f"￥{x:,.2f}"


def _phone_styles(phone: str, style: int) -> str:
    if style == 0:
        return phone
    if style == 1:
        return f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"
    if style == 2:
        return f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
    return f"{phone[:3]} {phone[3:7]} {phone[7:]}"


def _mask_name(name: str) -> str:
    return name[0] + "*" * max(len(name) - 1, 2) if len(name) <= 4 else name[0] + "***"


def _ts(start: datetime, seconds: int) -> datetime:
    return start + timedelta(seconds=seconds)


def _zh_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _unique_ids(rng: np.random.Generator, m: int, *, low: int, gap: int) -> list[int]:
    """Increasing unique integers with random gaps (ids issued over time)."""
    return (low + np.cumsum(rng.integers(1, gap, m))).tolist()


# ---------------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------------


@dataclass
class _Output:
    path: str
    table: str
    channel: str
    mapping: str
    encoding: str | None
    format: str
    data: bytes
    rows: int
    bad: list[BadRow]
    delimiter: str | None = None
    sheet: str | None = None


class _Demo:
    def __init__(self, rng: np.random.Generator, people: int, as_of: date) -> None:
        self.rng = rng
        self.as_of = as_of
        self.start = datetime(as_of.year, as_of.month, as_of.day) - timedelta(days=_WINDOW_DAYS)
        self.p = _People(rng, people, as_of)
        self.cat = _Catalogue()
        self.truth: list[tuple[str, str, str, str]] = []  # person_id, channel, table, source id
        self.members: dict[str, np.ndarray] = {}
        self.source_id: dict[str, list[str]] = {}
        self.start_day: dict[str, np.ndarray] = {}
        self.signup: dict[str, np.ndarray] = {}  # days from the window start (may be < 0)
        self.tmall_orders_of = np.zeros(0, dtype=np.int64)  # orders per Tmall buyer
        self.tmall_nicks: set[str] = set()
        self.online_id_of: dict[int, str] = {}
        self.cc_id: dict[int, str] = {}
        # (person, call-centre id, seconds) of every interaction and survey answer
        self.service: list[tuple[int, str, int]] = []
        self.office_phone: dict[int, str] = {}  # person -> office line the call centre has
        self.home_store = np.zeros(0, dtype=np.int64)
        self.orders: dict[str, _Orders] = {}
        # (person, day) of every complaint the call centre logged, sorted
        self.complaints = np.zeros(0, dtype=np.int64)
        self.late_order: dict[str, np.ndarray] = {}  # per channel: order delivered late

    # -- members ------------------------------------------------------------------------------

    def _members(self, channel: str, *, signup_low: int) -> tuple[np.ndarray, np.ndarray]:
        """People of a sales channel sorted by signup day (days from the window start)."""
        p = self.p
        who = np.flatnonzero(p.uses[:, SALES_CHANNELS.index(channel)])
        signup = self.rng.integers(signup_low, _WINDOW_DAYS - 20, len(who))
        # behaviour shapes the signup: new people joined lately, the others before they bought
        kind, u = p.kind[who], self.rng.random(len(who))
        latest = np.select(
            [kind == _LAPSED, kind == _WON_BACK, kind == _LOYAL],
            [p.lapse_day[who] - 45, p.early_end[who] - 30, np.full(len(who), 400)],
            _WINDOW_DAYS,
        )
        early = signup_low + np.floor(u * (latest - signup_low)).astype(np.int64)
        signup = np.where(signup > latest, early, signup)
        signup = np.where(kind == _NEW, p.new_start[who], signup)
        by_signup = np.lexsort((who, signup))
        who, signup = who[by_signup], signup[by_signup]
        self.members[channel] = who
        self.signup[channel] = signup
        self.start_day[channel] = np.maximum(signup, 0)
        return who, signup

    def _record(self, channel: str, table: str, persons: Sequence[int], ids: Sequence[str]) -> None:
        for i, sid in zip(persons, ids, strict=True):
            self.truth.append((self.p.ids[i], channel, table, sid))

    def online_customers(self) -> _Table:
        rng, p = self.rng, self.p
        who, signup = self._members("online_shop", signup_low=-540)
        m = len(who)
        ids = [f"{x:07d}" for x in _unique_ids(rng, m, low=1000, gap=60)]
        self.source_id["online_shop"] = ids
        self.online_id_of = {int(i): sid for i, sid in zip(who, ids, strict=True)}
        name_style = rng.choice(3, m, p=[0.6, 0.25, 0.15])
        phone_style = rng.integers(0, 3, m)  # a mobile is required to register: always there
        shout_email = rng.random(m) < 0.08
        gender_blank = rng.random(m) < 0.08
        birth_blank = rng.random(m) < 0.3
        english_city = rng.random(m) < 0.7
        country_cn = rng.random(m) < 0.2
        opt_out_email = rng.random(m) < 0.1
        tags = rng.integers(0, 6, m)
        tag_text = ("", "", "vip", "newsletter", "vip;newsletter", "student")
        rows: list[list[Any]] = []
        for k in range(m):
            i = int(who[k])
            if p.english[i] or name_style[k] == 0:
                name = p.name[i]
            elif name_style[k] == 1:
                name = f"{p.given_latin[i]} {p.surname_latin[i]}"
            else:
                name = f"{p.surname_latin[i].upper()} {p.given_latin[i]}"
            email = p.email[i]
            if email and shout_email[k]:
                local, domain = email.split("@")
                email = f"{local.capitalize()}@{domain.upper()}"
            city = _CITIES[p.city[i]]
            rows.append(
                [
                    ids[k],
                    name,
                    email or "",
                    _phone_styles(p.phone[i], int(phone_style[k])),
                    "" if gender_blank[k] else ("female" if p.female[i] else "male"),
                    "" if birth_blank[k] else p.birth[i].isoformat(),
                    city[3] if english_city[k] else city[1],
                    city[2] if english_city[k] else city[0],
                    "CN" if country_cn[k] else "China",
                    (self.start + timedelta(days=int(signup[k]))).date().isoformat(),
                    "business" if p.business[i] else "individual",
                    p.company[i] or "",
                    "true" if (email and p.consent_email[i] and not opt_out_email[k]) else "false",
                    "true" if p.consent_sms[i] else "false",
                    tag_text[tags[k]],
                ]
            )
        self._record("online_shop", "customers", who.tolist(), ids)
        header = [
            "customer_id",
            "full_name",
            "email",
            "phone",
            "gender",
            "birth_date",
            "city",
            "province",
            "country",
            "signup_date",
            "customer_type",
            "company",
            "email_opt_in",
            "sms_opt_in",
            "tags",
        ]
        return _Table(header, rows, first_line=2)

    def wechat_members(self) -> _Table:
        rng, p = self.rng, self.p
        who, signup = self._members("wechat", signup_low=-365)
        m = len(who)
        chars = rng.integers(0, len(_OPENID_ALPHABET), (m, 27))
        ids = ["o" + "".join(_OPENID_ALPHABET[c] for c in row) for row in chars.tolist()]
        self.source_id["wechat"] = ids
        nickname = rng.random(m) < 0.4
        nick = rng.integers(0, len(_WECHAT_NICKNAMES), m)
        unknown_gender = rng.random(m) < 0.15
        birth_style = rng.choice(3, m, p=[0.4, 0.35, 0.25])  # 年月日, ISO, blank
        secs = rng.integers(8 * 3600, 23 * 3600, m)
        tag_a = rng.integers(0, 8, m)
        email_present = rng.random(m) < 0.35
        sms_out = rng.random(m) < 0.1
        labels = ("高价值", "母婴", "新客", "活动参与", "沉睡", "", "", "")
        rows: list[list[Any]] = []
        for k in range(m):
            i = int(who[k])
            city = _CITIES[p.city[i]]
            birth = p.birth[i]
            rows.append(
                [
                    ids[k],
                    _WECHAT_NICKNAMES[nick[k]] if nickname[k] else p.name[i],
                    p.phone[i],
                    "未知" if unknown_gender[k] else ("女" if p.female[i] else "男"),
                    (_zh_date(birth), birth.isoformat(), "")[birth_style[k]],
                    self.start + timedelta(days=int(signup[k]), seconds=int(secs[k])),
                    city[0] if city[5] else city[0] + "省",
                    city[1] + "市",
                    labels[tag_a[k]],
                    (p.email[i] or "") if email_present[k] else "",
                    "否" if (sms_out[k] or not p.consent_sms[i]) else "是",
                    "是" if p.consent_wechat[i] else "否",
                ]
            )
        self._record("wechat", "customers", who.tolist(), ids)
        header = [
            "客户ID", "客户姓名", "手机号", "性别", "生日", "成为客户时间", "省份", "城市", "标签",
            "邮箱", "是否接收短信", "是否接收微信消息",
        ]  # fmt: skip
        return _Table(header, rows, first_line=2)

    def store_members(self) -> _Table:
        rng, p = self.rng, self.p
        who, signup = self._members("offline_store", signup_low=-700)
        m = len(who)
        ids = [f"08{x:010d}" for x in _unique_ids(rng, m, low=8_800_000_000, gap=40)]
        self.source_id["offline_store"] = ids
        phone_style = rng.choice([0, 3], m)
        gender_blank = rng.random(m) < 0.1
        birth_blank = rng.random(m) < 0.35
        secs = rng.integers(10 * 3600, 22 * 3600, m)
        email_out = rng.random(m) < 0.1
        other_store = rng.integers(0, len(_STORES), m)
        stray = rng.random(m) < 0.1
        self.home_store = np.empty(m, dtype=np.int64)
        rows: list[list[Any]] = []
        for k in range(m):
            i = int(who[k])
            city = _CITIES[p.city[i]]
            local = [s for s, st in enumerate(_STORES) if st[2] == city[1]]
            store = (
                local[int(other_store[k]) % len(local)]
                if local and not stray[k]
                else int(other_store[k])
            )
            self.home_store[k] = store
            when = self.start + timedelta(days=int(signup[k]), seconds=int(secs[k]))
            b = p.birth[i]
            rows.append(
                [
                    ids[k],
                    p.name[i],
                    _phone_styles(p.phone[i], int(phone_style[k])),
                    "" if gender_blank[k] else ("女" if p.female[i] else "男"),
                    "" if birth_blank[k] else f"{b.year}/{b.month}/{b.day}",
                    city[1],
                    city[0],
                    when.strftime("%Y-%m-%d %H:%M"),
                    _STORES[store][1],
                    "是" if (p.email[i] and p.consent_email[i] and not email_out[k]) else "否",
                    "是" if p.consent_sms[i] else "否",
                ]
            )
        self._record("offline_store", "customers", who.tolist(), ids)
        header = [
            "会员卡号",
            "姓名",
            "手机",
            "性别",
            "生日",
            "城市",
            "省份",
            "注册时间",
            "门店",
            "邮件营销",
            "短信营销",
        ]
        return _Table(header, rows, first_line=2)

    # -- orders -------------------------------------------------------------------------------

    def _plan(self, channel: str) -> _Plan:
        p, who = self.p, self.members[channel]
        kind = p.kind[who]
        lo = self.start_day[channel]
        hi = np.select(
            [kind == _LAPSED, kind == _WON_BACK], [p.lapse_day[who], p.early_end[who]], _WINDOW_DAYS
        )
        hi = np.maximum(hi, lo + 1)
        late_lo = np.where(kind == _WON_BACK, p.late_start[who], -1)
        primary = p.primary[who] == SALES_CHANNELS.index(channel)
        # one-time buyers buy once, in their first channel; new and won-back people are only
        # new or won back with an order (two: one on each side of the gap) there
        min_orders = np.where(primary & (kind == _NEW), 1, 0)
        min_orders = np.where(primary & (kind == _WON_BACK), 2, min_orders)
        max_orders = np.where(kind == _ONE_TIME, np.where(primary, 1, 0), 10_000)
        min_orders = np.where(primary & (kind == _ONE_TIME), 1, min_orders)
        mult = _BEHAVIOUR_RATE[kind]
        return _Plan(lo, hi, late_lo, mult, min_orders, max_orders)

    def _orders(self, channel: str, **kw: Any) -> _Orders:
        who = self.members[channel]
        o = _make_orders(
            self.rng,
            plan=self._plan(channel),
            fav=self.p.fav_category[who],
            business=self.p.business[who],
            catalogue=self.cat,
            orders_per_year=_ORDERS_PER_YEAR[channel],
            **kw,
        )
        self.orders[channel] = o
        return o

    def _order_truth(self, channel: str, o: _Orders) -> None:
        who, ids = self.members[channel], self.source_id[channel]
        seen = np.unique(o.member)
        self._record(channel, "orders", who[seen].tolist(), [ids[k] for k in seen.tolist()])

    def online_orders(self) -> _Table:
        o = self._orders("online_shop", at_least_one=False,
                         line_p=[0.5, 0.28, 0.14, 0.08], hours="web", pending=True)  # fmt: skip
        self._order_truth("online_shop", o)
        ids = self.source_id["online_shop"]
        order_no = [f"{x}" for x in _unique_ids(self.rng, o.n_orders, low=20_000_000, gap=9)]
        self.online_order_no = order_no
        price = self.cat.price[o.sku]
        rows = [
            [
                order_no[oi],
                ln,
                ids[mb],
                _ts(self.start, s).strftime("%Y-%m-%d %H:%M:%S"),
                self.cat.sku[sk],
                self.cat.name_en[sk],
                self.cat.category_en[sk],
                q,
                _money(pr),
                _money(pr * q),
                "CNY",
                _STATUS_EN[st],
            ]
            for oi, ln, mb, s, sk, q, pr, st in zip(
                o.order.tolist(), o.line.tolist(), o.member.tolist(), o.seconds.tolist(),
                o.sku.tolist(), o.qty.tolist(), price.tolist(), o.status.tolist(), strict=True,
            )
        ]  # fmt: skip
        header = [
            "order_id",
            "line",
            "customer_id",
            "order_date",
            "sku",
            "product",
            "category",
            "quantity",
            "unit_price",
            "line_total",
            "currency",
            "status",
        ]
        return _Table(header, rows, first_line=2)

    def _tmall_nicknames(self, persons: np.ndarray) -> list[str]:
        """Tmall buyer nicknames of ``persons``, unique across every call."""
        rng, p, m = self.rng, self.p, len(persons)
        heads = rng.integers(0, len(_NICK_HEAD), m)
        tails = rng.integers(0, len(_NICK_TAIL), m)
        style = rng.choice(3, m, p=[0.4, 0.35, 0.25])
        num = rng.integers(10**8, 10**10, m)
        small = rng.integers(1, 1000, m)
        ids: list[str] = []
        for k in range(m):
            i = int(persons[k])
            nick = (
                f"tb{num[k]}",
                f"{_NICK_HEAD[heads[k]]}{_NICK_TAIL[tails[k]]}{small[k]}",
                f"{p.given_latin[i].lower()}_{p.surname_latin[i].lower()}{small[k]}",
            )[style[k]]
            base, bump = nick, 1
            while nick in self.tmall_nicks:
                bump += 1
                nick = f"{base}_{bump}"
            self.tmall_nicks.add(nick)
            ids.append(nick)
        return ids

    def tmall_orders(self) -> _Table:
        rng, p = self.rng, self.p
        who, _ = self._members("tmall", signup_low=-200)
        ids = self._tmall_nicknames(who)
        self.source_id["tmall"] = ids
        o = self._orders("tmall", at_least_one=True, line_p=[1.0],
                         hours="web", pending=False)  # fmt: skip
        self._order_truth("tmall", o)
        self.tmall_orders_of = np.bincount(o.member, minlength=len(who))
        n = o.n_orders
        long_id = rng.random(n) < 0.8
        order_ids: list[str] = []
        seen: set[int] = set()
        for x19, x18, is19 in zip(
            rng.integers(10**18, 4 * 10**18, n).tolist(),
            rng.integers(10**17, 10**18, n).tolist(),
            long_id.tolist(),
            strict=True,
        ):
            x = x19 if is19 else x18
            while x in seen:
                x += 1
            seen.add(x)
            order_ids.append(str(x))
        masked = rng.random(n) < 0.5
        yen = rng.random(n) < 0.5
        pay_delay = rng.integers(5, 900, n)
        ship = rng.integers(0, len(_TMALL_SHIPPING), n)
        price = self.cat.price[o.sku]
        rows: list[list[Any]] = []
        recent = (_WINDOW_DAYS - 10) * 86400
        for k in range(n):
            mb, st, secs = int(o.member[k]), int(o.status[k]), int(o.seconds[k])
            i = int(who[mb])
            total = float(price[k]) * int(o.qty[k])
            placed = _ts(self.start, secs)
            paid = placed + timedelta(seconds=int(pay_delay[k]))
            if st == _PAID:
                status = _TMALL_SHIPPING[ship[k]] if secs >= recent else "交易成功"
            else:
                status = "交易关闭"
            if st == _CANCELLED:
                total = 0.0
            amount = _yen(total) if yen[k] else _short_money(total)
            city = _CITIES[p.city[i]]
            phone = p.phone[i]
            rows.append(
                [
                    order_ids[k],
                    ids[mb],
                    amount,
                    status,
                    _mask_name(p.name[i]) if masked[k] else p.name[i],
                    f"{phone[:3]}****{phone[7:]}" if masked[k] else phone,
                    f"{placed.year}/{placed.month}/{placed.day} {placed:%H:%M}",
                    "" if st == _CANCELLED else f"{paid.year}/{paid.month}/{paid.day} {paid:%H:%M}",
                    self.cat.title[int(o.sku[k])],
                    int(o.qty[k]),
                    self.cat.sku[int(o.sku[k])],
                    city[0] if city[5] else city[0] + "省",
                    city[1] + "市",
                ]
            )
        rows.reverse()  # the seller centre lists the newest order first
        header = [
            "订单编号", "买家会员名", "买家实付金额", "订单状态", "收货人姓名", "联系手机", "买家下单时间",
            "买家付款时间", "宝贝标题", "宝贝总数量", "商家编码", "省", "市",
        ]  # fmt: skip
        return _Table(header, rows, first_line=2)

    def tmall_members(self) -> _Table:
        """The brand's Tmall member list (会员通): most buyers, and a few who never bought.

        Members agree to share their phone with the brand when they join, so 手机号 is the full
        number; 会员昵称 is the buyer nickname of the order report. 会员等级 follows the number
        of orders (never bought or one: 普通会员; 2-3: 银卡; 4-7: 金卡; 8 or more: 钻石).
        """
        rng, p = self.rng, self.p
        who, ids = self.members["tmall"], self.source_id["tmall"]
        joined = np.flatnonzero(rng.random(len(who)) < 0.85)
        others = np.flatnonzero(~p.uses[:, SALES_CHANNELS.index("tmall")])
        n_extra = max(1, round(0.04 * len(joined)))
        extra = np.sort(rng.permutation(others)[:n_extra])
        persons = np.concatenate([who[joined], extra])
        nicks = [ids[k] for k in joined.tolist()] + self._tmall_nicknames(extra)
        orders = np.concatenate([self.tmall_orders_of[joined], np.zeros(len(extra), np.int64)])
        signup = np.concatenate(
            [self.signup["tmall"][joined], rng.integers(-200, _WINDOW_DAYS - 20, len(extra))]
        )
        n = len(persons)
        day = np.minimum(signup + rng.integers(0, 30, n), _WINDOW_DAYS - 1)
        secs = day * 86400 + rng.integers(8 * 3600, 23 * 3600, n)
        unknown_gender = rng.random(n) < 0.2
        with_birthday = rng.random(n) < 0.45
        level = np.searchsorted(np.array([2, 4, 8]), orders, side="right")
        levels = ("普通会员", "银卡会员", "金卡会员", "钻石会员")
        rows: list[list[Any]] = []
        for k in sorted(range(n), key=lambda k: (int(secs[k]), nicks[k])):
            i = int(persons[k])
            city = _CITIES[p.city[i]]
            rows.append(
                [
                    nicks[k],
                    p.phone[i],
                    _ts(self.start, int(secs[k])).strftime("%Y-%m-%d %H:%M:%S"),
                    levels[int(level[k])],
                    "未知" if unknown_gender[k] else ("女" if p.female[i] else "男"),
                    p.birth[i].isoformat() if with_birthday[k] else "",
                    city[0] if city[5] else city[0] + "省",
                    city[1] + "市",
                ]
            )
        self._record("tmall", "customers", persons.tolist(), nicks)
        header = ["会员昵称", "手机号", "入会时间", "会员等级", "性别", "生日", "省份", "城市"]
        return _Table(header, rows, first_line=2)

    def wechat_orders(self) -> _Table:
        o = self._orders("wechat", at_least_one=False,
                         line_p=[0.6, 0.25, 0.1, 0.05], hours="web", pending=True)  # fmt: skip
        self._order_truth("wechat", o)
        ids = self.source_id["wechat"]
        price = self.cat.price[o.sku]
        rows: list[list[Any]] = []
        for k in range(len(o.order)):
            placed = _ts(self.start, int(o.seconds[k]))
            q = int(o.qty[k])
            rows.append(
                [
                    f"E{placed:%Y%m%d%H%M%S}{int(o.order[k]):06d}",
                    int(o.line[k]),
                    ids[int(o.member[k])],
                    placed.strftime("%Y-%m-%d %H:%M:%S"),
                    self.cat.sku[int(o.sku[k])],
                    self.cat.name_zh[int(o.sku[k])],
                    q,
                    round(float(price[k]) * q, 2),
                    "CNY",
                    _STATUS_EN[int(o.status[k])],
                ]
            )
        header = ["order_id", "line", "member_id", "paid_at", "sku", "product", "quantity",
                  "amount", "currency", "status"]  # fmt: skip
        return _Table(header, rows, first_line=1)

    def store_sales(self) -> _Table:
        o = self._orders("offline_store", at_least_one=False,
                         line_p=[0.45, 0.3, 0.15, 0.1], hours="store", pending=False)  # fmt: skip
        self._order_truth("offline_store", o)
        ids = self.source_id["offline_store"]
        n = o.n_orders
        elsewhere = self.rng.random(n) < 0.15
        other = self.rng.integers(0, len(_STORES), n)
        self.store_of_order = store_of_order = np.where(
            elsewhere, other, self.home_store[o.member[np.searchsorted(o.order, np.arange(n))]]
        )
        price = self.cat.price[o.sku]
        rows: list[list[Any]] = []
        for k in range(len(o.order)):
            oi = int(o.order[k])
            placed = _ts(self.start, int(o.seconds[k]))
            store = _STORES[int(store_of_order[oi])]
            q, sk = int(o.qty[k]), int(o.sku[k])
            rows.append(
                [
                    f"{store[0]}-{placed:%Y%m%d}-{oi + 1:06d}",
                    int(o.line[k]),
                    ids[int(o.member[k])],
                    f"{placed.year}年{placed.month}月{placed.day}日 {placed:%H:%M}",
                    store[1],
                    self.cat.sku[sk],
                    self.cat.name_zh[sk],
                    self.cat.category_zh[sk],
                    q,
                    _money(float(price[k])),
                    _money(float(price[k]) * q),
                    "CNY",
                    _STATUS_STORE[int(o.status[k])],
                ]
            )
        header = ["订单号", "行号", "会员卡号", "下单时间", "门店", "商品编码", "商品名称", "品类",
                  "数量", "单价", "金额", "币种", "订单状态"]  # fmt: skip
        return _Table(header, rows, first_line=2)

    # -- service ------------------------------------------------------------------------------

    def _service_ids(self, persons: np.ndarray, seconds: np.ndarray, table: str) -> list[str]:
        """The call centre's customer_id: the online-shop id, else a call-centre id."""
        out: list[str] = []
        for i, s in zip(persons.tolist(), seconds.tolist(), strict=True):
            out.append(self.online_id_of.get(i) or self.cc_id[i])
            self.service.append((i, out[-1], s))
        self._record("call_centre", table, persons.tolist(), out)
        return out

    def _order_facts(self, channel: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per order of ``channel`` (in time order): person, member index, seconds, status."""
        o = self.orders[channel]
        first = np.searchsorted(o.order, np.arange(o.n_orders))
        member = o.member[first]
        return self.members[channel][member], member, o.seconds[first], o.status[first]

    def interactions(self) -> _Table:
        """Call-centre log: everyday contacts, plus complaints that follow a bad experience.

        A refunded or cancelled order leads to a complaint with probability 0.3 within a week;
        during the courier backlog (``_DELAY``) about a third of the online orders arrive late,
        and a quarter of those lead to a complaint (快递太慢).
        """
        rng, n = self.rng, self.p.n
        cc = _unique_ids(rng, n, low=10_000_000, gap=20)
        self.cc_id = {i: f"CC{cc[i]:08d}" for i in range(n)}
        callers = np.flatnonzero(rng.random(n) < 0.25)
        count = rng.choice(5, len(callers), p=[0.4, 0.25, 0.15, 0.12, 0.08]) + 1
        person = np.repeat(callers, count)
        total = len(person)
        seconds = (
            rng.integers(0, _WINDOW_DAYS, total) * 86400
            + rng.choice(24, total, p=_hour_weights("store")) * 3600
            + rng.integers(0, 3600, total)
        )
        types = ("call", "email", "chat", "complaint", "visit")
        kind = rng.choice(5, total, p=[0.37, 0.21, 0.26, 0.03, 0.13])
        note = rng.integers(0, 1000, total)
        persons, secs, kinds, notes_at = [person], [seconds], [kind], [note]
        for channel in SALES_CHANNELS:
            who, _, placed, status = self._order_facts(channel)
            day = placed // 86400
            m = len(day)
            late = np.zeros(m, dtype=bool)
            if channel != "offline_store":
                late = (day >= _DELAY[0]) & (day < _DELAY[1]) & (rng.random(m) < 0.35)
            self.late_order[channel] = late
            bad = (status == _REFUNDED) | (status == _CANCELLED)
            u = rng.random(m)
            complain = np.flatnonzero((bad & (u < 0.2)) | (late & (u < 0.2)))
            when = day[complain] + rng.integers(1, 8, len(complain))
            at = (
                when * 86400
                + rng.choice(24, len(complain), p=_hour_weights("store")) * 3600
                + rng.integers(0, 3600, len(complain))
            )
            # 快递太慢 for a late parcel; else damaged, wrong item, refund late, not as described
            why = np.where(
                late[complain], 1, np.array([0, 2, 3, 5])[rng.integers(0, 4, len(complain))]
            )
            keep = when < _WINDOW_DAYS
            persons.append(who[complain][keep])
            secs.append(at[keep])
            kinds.append(np.full(int(keep.sum()), 3))
            notes_at.append(why[keep])
        person, seconds = np.concatenate(persons), np.concatenate(secs)
        kind, note = np.concatenate(kinds), np.concatenate(notes_at)
        total = len(person)
        by_time = np.lexsort((person, seconds))
        person, seconds, kind, note = (
            person[by_time],
            seconds[by_time],
            kind[by_time],
            note[by_time],
        )
        blank_note = rng.random(total) < 0.1
        complaint = kind == 3
        self.complaints = np.sort(person[complaint] * 4096 + seconds[complaint] // 86400)
        self.contacts = (person, seconds, complaint)
        ids = self._service_ids(person, seconds, "interactions")
        rows: list[list[Any]] = []
        for k in range(total):
            t = types[kind[k]]
            notes = _NOTES[t]
            rows.append(
                [
                    f"INT{k + 1:07d}",
                    ids[k],
                    _ts(self.start, int(seconds[k])).strftime("%Y-%m-%dT%H:%M:%S"),
                    t,
                    "" if blank_note[k] else notes[note[k] % len(notes)],
                ]
            )
        return _Table(["interaction_id", "customer_id", "timestamp", "type", "note"], rows, 2)

    # -- feedback -----------------------------------------------------------------------------

    def _answers(
        self,
        person: np.ndarray,
        day: np.ndarray,
        *,
        offset: float,
        bad_order: np.ndarray | None = None,
        late: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """NPS (-1 = not answered), CSAT, complaint flag and group of each answer.

        A latent satisfaction: the person's mood (loyal buyers like the brand, one-time and
        lapsed buyers less), how much they bought, the experience the survey is about (a
        refunded order, a late parcel, a complaint in the 60 days before), the survey's
        channel and a slow improvement over the two years. NPS, CSAT and the complaint flag
        all follow from it, so they agree.
        """
        rng, p, m = self.rng, self.p, len(person)
        zero = np.zeros(m, dtype=bool)
        bad_order = zero if bad_order is None else bad_order
        late = zero if late is None else late
        key = person * 4096 + day
        recent = np.searchsorted(self.complaints, key, side="right") - np.searchsorted(
            self.complaints, key - 60, side="left"
        )
        h = (
            p.mood[person]
            + 0.25 * np.log1p(self.paid_orders[person])
            - 1.8 * bad_order
            - 1.2 * late
            - 1.2 * (recent > 0)
            + 0.5 * day / _WINDOW_DAYS
            + offset
            + rng.normal(0.0, 0.7, m)
        )
        nps = np.clip(np.rint(6.9 + 1.5 * h), 0, 10).astype(np.int64)
        csat = np.clip(np.rint(1.2 + 0.4 * nps + rng.normal(0, 0.45, m)), 1, 5).astype(np.int64)
        group = np.where(nps >= 9, 0, np.where(nps >= 7, 1, 2))
        p_complaint = np.select([nps <= 4, nps <= 6, nps <= 8], [0.35, 0.12, 0.02], 0.0)
        p_complaint = p_complaint + 0.15 * ((bad_order | late | (recent > 0)) & (nps <= 6))
        complaint = rng.random(m) < p_complaint
        nps = np.where(rng.random(m) < 0.05, -1, nps)
        return nps, csat, complaint, group

    def _post_purchase(
        self, channel: str, *, rate: float, delay: tuple[int, int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Survey answers after orders of ``channel``: order number, person, member, seconds,
        whether the order was refunded and whether it arrived late, in time order."""
        rng = self.rng
        person, member, placed, status = self._order_facts(channel)
        m = len(person)
        asked = (status == _PAID) | (status == _REFUNDED)
        answered = np.flatnonzero(asked & (rng.random(m) < rate))
        day = placed[answered] // 86400 + rng.integers(delay[0], delay[1] + 1, len(answered))
        secs = day * 86400 + rng.integers(8 * 3600, 23 * 3600, len(answered))
        keep = day < _WINDOW_DAYS
        answered, secs = answered[keep], secs[keep]
        by_time = np.lexsort((answered, secs))
        answered, secs = answered[by_time], secs[by_time]
        return (
            answered,
            person[answered],
            member[answered],
            secs,
            status[answered] == _REFUNDED,
            self.late_order[channel][answered],
        )

    def _comments(self, group: np.ndarray, complaint: np.ndarray) -> list[str | None]:
        rng, m = self.rng, len(group)
        pick = rng.integers(0, 1000, m)
        none = rng.random(m) < 0.3
        names = ("promoter", "passive", "detractor")
        return [
            None
            if none[k] and not complaint[k]
            else _COMMENTS[names[group[k]]][pick[k] % len(_COMMENTS[names[group[k]]])]
            for k in range(m)
        ]

    def feedback(self) -> _Table:
        """The call centre's satisfaction survey: sent after a contact (half of the complaints
        and a third of the other contacts answer within two days)."""
        rng = self.rng
        paid = []
        for channel in SALES_CHANNELS:
            who, _, _, status = self._order_facts(channel)
            paid.append(who[status == _PAID])
        self.paid_orders = np.bincount(np.concatenate(paid), minlength=self.p.n)
        person, seconds, complaint_contact = self.contacts
        m = len(person)
        answered = np.flatnonzero(rng.random(m) < np.where(complaint_contact, 0.5, 0.33))
        day = seconds[answered] // 86400 + rng.integers(0, 3, len(answered))
        keep = day < _WINDOW_DAYS
        person, day = person[answered][keep], day[keep]
        seconds = day * 86400 + rng.integers(8 * 3600, 23 * 3600, len(day))
        by_time = np.lexsort((person, seconds))
        person, seconds = person[by_time], seconds[by_time]
        nps, csat, complaint, group = self._answers(person, seconds // 86400, offset=-0.1)
        comments = self._comments(group, complaint)
        ids = self._service_ids(person, seconds, "feedback")
        rows: list[list[Any]] = [
            [
                f"FB{k + 1:06d}",
                ids[k],
                _ts(self.start, int(seconds[k])).strftime("%Y-%m-%dT%H:%M:%S+08:00"),
                None if nps[k] < 0 else int(nps[k]),
                int(csat[k]),
                bool(complaint[k]),
                comments[k],
            ]
            for k in range(len(person))
        ]
        header = [
            "feedback_id",
            "customer_id",
            "submitted_at",
            "nps",
            "csat",
            "complaint",
            "comment",
        ]
        return _Table(header, rows, first_line=2)

    def online_survey(self) -> _Table:
        """Post-purchase survey of the online shop (e-mail link, 2-10 days after the order)."""
        order, person, member, secs, refunded, late = self._post_purchase(
            "online_shop", rate=0.12, delay=(2, 10)
        )
        nps, csat, complaint, group = self._answers(
            person, secs // 86400, offset=0.0, bad_order=refunded, late=late
        )
        comments = self._comments(group, complaint)
        ids = self.source_id["online_shop"]
        rows: list[list[Any]] = [
            [
                f"R{k + 1:07d}",
                ids[member[k]],
                self.online_order_no[order[k]],
                _ts(self.start, int(secs[k])).strftime("%Y-%m-%d %H:%M:%S"),
                "" if nps[k] < 0 else str(nps[k]),
                str(csat[k]),
                "true" if complaint[k] else "false",
                comments[k] or "",
            ]
            for k in range(len(order))
        ]
        self._record("online_shop", "feedback", person.tolist(), [r[1] for r in rows])
        header = ["response_id", "customer_id", "order_id", "submitted_at", "nps", "csat",
                  "complaint", "comment"]  # fmt: skip
        return _Table(header, rows, first_line=2)

    def wechat_survey(self) -> _Table:
        """The mini-program's 评价 card, pushed after delivery (1-5 days after the order)."""
        order, person, member, secs, refunded, late = self._post_purchase(
            "wechat", rate=0.10, delay=(1, 5)
        )
        nps, csat, complaint, group = self._answers(
            person, secs // 86400, offset=0.15, bad_order=refunded, late=late
        )
        comments = self._comments(group, complaint)
        ids = self.source_id["wechat"]
        rows: list[list[Any]] = [
            [
                f"WJ{k + 1:07d}",
                ids[member[k]],
                _ts(self.start, int(secs[k])).strftime("%Y-%m-%d %H:%M:%S"),
                "" if nps[k] < 0 else str(nps[k]),
                str(csat[k]),
                "是" if complaint[k] else "否",
                comments[k] or "",
            ]
            for k in range(len(order))
        ]
        self._record("wechat", "feedback", person.tolist(), [r[1] for r in rows])
        header = ["问卷编号", "会员ID", "提交时间", "推荐值", "满意度", "是否投诉", "留言"]
        return _Table(header, rows, first_line=2)

    def store_survey(self) -> _Table:
        """The in-store survey (a QR code on the receipt, answered the same or the next day)."""
        order, person, member, secs, refunded, late = self._post_purchase(
            "offline_store", rate=0.07, delay=(0, 1)
        )
        nps, csat, complaint, group = self._answers(
            person, secs // 86400, offset=0.35, bad_order=refunded, late=late
        )
        comments = self._comments(group, complaint)
        ids = self.source_id["offline_store"]
        rows: list[list[Any]] = []
        for k in range(len(order)):
            when = _ts(self.start, int(secs[k]))
            rows.append(
                [
                    f"SV{k + 1:06d}",
                    ids[member[k]],
                    _STORES[int(self.store_of_order[order[k]])][1],
                    f"{when.year}/{when.month}/{when.day} {when:%H:%M}",
                    "" if nps[k] < 0 else str(nps[k]),
                    str(csat[k]),
                    "是" if complaint[k] else "否",
                    comments[k] or "",
                ]
            )
        self._record("offline_store", "feedback", person.tolist(), [r[1] for r in rows])
        header = ["反馈编号", "会员卡号", "门店", "评价时间", "推荐意愿", "满意度评分", "投诉",
                  "评价内容"]  # fmt: skip
        return _Table(header, rows, first_line=2)

    def call_centre_contacts(self) -> _Table:
        """The call centre's contact list: one row per id it used, with the caller's phone.

        The phone is the number the caller rang from: their own mobile, now and then an office
        line (a landline of their city that nobody else uses).
        """
        rng, p = self.rng, self.p
        first: dict[str, tuple[int, int]] = {}  # call-centre id -> (first contact, person)
        for i, sid, secs in self.service:
            if sid not in first or secs < first[sid][0]:
                first[sid] = (secs, i)
        ids = sorted(first, key=lambda sid: (first[sid][0], sid))
        m = len(ids)
        office = rng.random(m) < 0.04
        local = rng.integers(2 * 10**7, 9 * 10**7, m)
        plus86 = rng.random(m) < 0.2
        used: set[str] = set()
        rows: list[list[Any]] = []
        persons: list[int] = []
        for k, sid in enumerate(ids):
            secs, i = first[sid]
            persons.append(i)
            if office[k]:
                area, number = _AREA_CODES[_CITIES[p.city[i]][1]], int(local[k])
                while f"{area}{number}" in used:  # nobody else's line
                    number += 1
                used.add(f"{area}{number}")
                phone = f"{area}-{number}"
                self.office_phone[i] = phone
            else:
                phone = _phone_styles(p.phone[i], 1 if plus86[k] else 0)
            rows.append([sid, p.name[i], phone, _ts(self.start, secs).date().isoformat()])
        self._record("call_centre", "customers", persons, ids)
        return _Table(["customer_id", "full_name", "phone", "created_at"], rows, first_line=2)


def _break_all(rng: np.random.Generator, t: dict[str, _Table]) -> None:
    """Break a handful of rows of each kind, spread across the files (one problem per row)."""
    oc, wm, sm = t["online_shop_customers"], t["wechat_members"], t["store_members"]
    oo, tm, wo, ss = (
        t["online_shop_orders"],
        t["tmall_orders"],
        t["wechat_orders"],
        t["store_sales"],
    )
    ci, fb, cc = t["call_centre_interactions"], t["feedback_survey"], t["call_centre_contacts"]
    ws_, ss_ = t["wechat_survey"], t["store_survey"]

    def blank(_: Any) -> str:
        return ""

    # impossible dates: keep the year and the time of day of the value they replace
    _break(rng, oo, "impossible_date", "order_date", lambda v: f"{v[:4]}-02-30{v[10:]}")
    _break(
        rng,
        tm,
        "impossible_date",
        "买家下单时间",
        lambda v: f"{v.split('/')[0]}/2/30 {v.split(' ')[1]}",
    )
    _break(
        rng,
        ss,
        "impossible_date",
        "下单时间",
        lambda v: f"{v.split('年')[0]}年2月30日 {v.split(' ')[1]}",
    )
    _break(rng, wm, "impossible_date", "生日", lambda v: "1991年2月29日")
    _break(rng, ci, "impossible_date", "timestamp", lambda v: f"{v[:4]}-04-31{v[10:]}")
    # unreadable amounts
    _break(rng, oo, "unreadable_amount", "line_total", lambda v: "12,34,5")
    _break(rng, tm, "unreadable_amount", "买家实付金额", lambda v: "abc")
    _break(rng, wo, "unreadable_amount", "amount", lambda v: "abc")
    _break(rng, ss, "unreadable_amount", "金额", lambda v: "12,34,5")
    # N/A in a required amount
    _break(rng, oo, "missing_amount", "line_total", lambda v: "N/A")
    _break(rng, tm, "missing_amount", "买家实付金额", lambda v: "N/A")
    _break(rng, ss, "missing_amount", "金额", lambda v: "N/A")
    # negative amount on a paid line
    paid_oo, paid_wo, paid_ss = _col(oo, "status"), _col(wo, "status"), _col(ss, "订单状态")
    _break(
        rng,
        oo,
        "negative_amount",
        "line_total",
        lambda v: f"-{v}",
        ok=lambda r: paid_oo(r) == "paid",
    )
    _break(rng, wo, "negative_amount", "amount", lambda v: -v, ok=lambda r: paid_wo(r) == "paid")
    _break(
        rng, ss, "negative_amount", "金额", lambda v: f"-{v}", ok=lambda r: paid_ss(r) == "已完成"
    )
    # unknown status text
    _break(rng, oo, "unknown_status", "status", lambda v: "on hold")
    _break(rng, tm, "unknown_status", "订单状态", lambda v: "交易异常")
    _break(rng, wo, "unknown_status", "status", lambda v: "processing")
    _break(rng, ss, "unknown_status", "订单状态", lambda v: "已挂起")
    # garbage phones
    _break(rng, oc, "garbage_phone", "phone", lambda v: "12345")
    _break(rng, tm, "garbage_phone", "联系手机", lambda v: "12345")
    _break(rng, wm, "garbage_phone", "手机号", lambda v: "1380013800")
    _break(rng, sm, "garbage_phone", "手机", lambda v: "12345")
    mobile_cc = _col(cc, "phone")
    _break(rng, cc, "garbage_phone", "phone", lambda v: v[:-1], ok=lambda r: mobile_cc(r).isdigit())
    # malformed e-mails
    _break(rng, oc, "malformed_email", "email", lambda v: "bob@@x")
    _break(rng, oc, "malformed_email", "email", lambda v: "wang.wei@qq")
    _break(rng, wm, "malformed_email", "邮箱", lambda v: "lina@@163.com")
    # survey scores out of range
    for _ in range(2):
        _break(rng, fb, "nps_out_of_range", "nps", lambda v: 11)
        _break(rng, fb, "csat_out_of_range", "csat", lambda v: 0)
    answered = _col(ws_, "推荐值")
    _break(rng, ws_, "nps_out_of_range", "推荐值", lambda v: "11", ok=lambda r: answered(r) != "")
    _break(rng, ss_, "csat_out_of_range", "满意度评分", lambda v: "0")
    # field counts (CSV only)
    for table in (oc, tm, sm, ci):
        _break(rng, table, "too_few_fields", None, blank)
    for table in (oo, ss, sm, ci):
        _break(rng, table, "too_many_fields", None, blank)
    # empty required ids
    _break(rng, oc, "empty_id", "customer_id", blank)
    _break(rng, oo, "empty_id", "order_id", blank)
    _break(rng, tm, "empty_id", "订单编号", blank)
    _break(rng, sm, "empty_id", "会员卡号", blank)
    _break(rng, fb, "empty_id", "customer_id", blank)


def generate_demo_files(
    out_dir: Path, *, seed: int = 7, people: int = 5000, as_of: date = date(2026, 6, 30)
) -> Manifest:
    """Write the demo channel exports, ``manifest.yaml`` and ``_truth/`` into ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder to write into (created if missing; files of the same names are overwritten).
    seed
        Seed of the single random stream: the same seed gives byte-identical files.
    people
        Number of fictional people (at least 100).
    as_of
        The data covers the two years before this day.

    Returns
    -------
    Manifest
        The files in import order, each with its table, channel, mapping preset, encoding and
        the rows broken on purpose; also written to ``out_dir/manifest.yaml``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     manifest = generate_demo_files(Path(tmp), people=200)
    ...     manifest.file("tmall_orders.csv").encoding
    'gbk'
    """
    if people < 100:
        raise ValueError(f"people={people} should be >= 100 (bad rows need rows to break).")
    out_dir = Path(out_dir)
    rng = np.random.default_rng(seed)
    demo = _Demo(rng, people, as_of)
    tables = {
        "online_shop_customers": demo.online_customers(),
        "wechat_members": demo.wechat_members(),
        "store_members": demo.store_members(),
        "online_shop_orders": demo.online_orders(),
        "tmall_orders": demo.tmall_orders(),
        "wechat_orders": demo.wechat_orders(),
        "store_sales": demo.store_sales(),
        "call_centre_interactions": demo.interactions(),
        "feedback_survey": demo.feedback(),
        "online_shop_survey": demo.online_survey(),
        "wechat_survey": demo.wechat_survey(),
        "store_survey": demo.store_survey(),
        "call_centre_contacts": demo.call_centre_contacts(),
        "tmall_members": demo.tmall_members(),
    }
    _break_all(rng, tables)
    for table in tables.values():
        table.bad.sort(key=lambda b: b.line)

    def out(name: str, path: str, table: str, channel: str, mapping: str, encoding: str | None,
            fmt: str, data: bytes, **kw: Any) -> _Output:  # fmt: skip
        t = tables[name]
        return _Output(path, table, channel, mapping, encoding, fmt, data, len(t.rows), t.bad, **kw)

    notes = [
        ["说明", "本文件为演示数据，人物与订单均为虚构。"],
        ["导出时间", f"{as_of.isoformat()} 09:00:00"],
        ["来源", "微信小程序商城 / 有赞 会员导出"],
        ["备注", "手机号为会员绑定手机；成为客户时间为北京时间。"],
    ]
    outputs = [
        out("online_shop_customers", "online_shop_customers.csv", "customers", "online_shop",
            "generic_en", "utf-8", "csv", _csv_bytes(tables["online_shop_customers"], encoding="utf-8"),
            delimiter=","),
        out("wechat_members", "wechat_members.xlsx", "customers", "wechat", "wechat_members", None,
            "xlsx", _xlsx_bytes(tables["wechat_members"], sheet="会员", notes=notes, as_of=as_of),
            sheet="会员"),
        out("store_members", "store_members.csv", "customers", "offline_store", "generic_zh",
            "gb18030", "csv", _csv_bytes(tables["store_members"], encoding="gb18030", newline="\r\n"),
            delimiter=","),
        out("call_centre_contacts", "call_centre_contacts.csv", "customers", "call_centre",
            "generic_en", "utf-8", "csv", _csv_bytes(tables["call_centre_contacts"], encoding="utf-8"),
            delimiter=","),
        out("tmall_members", "tmall_members.csv", "customers", "tmall", "tmall_members", "gbk",
            "csv", _csv_bytes(tables["tmall_members"], encoding="gbk", newline="\r\n"),
            delimiter=","),
        out("online_shop_orders", "online_shop_orders.csv", "orders", "online_shop", "generic_en",
            "utf-8", "csv", _csv_bytes(tables["online_shop_orders"], encoding="utf-8"), delimiter=","),
        out("tmall_orders", "tmall_orders.csv", "orders", "tmall", "taobao_orders", "gbk", "csv",
            _csv_bytes(tables["tmall_orders"], encoding="gbk", newline="\r\n"), delimiter=","),
        out("wechat_orders", "wechat_orders.ndjson", "orders", "wechat", "generic_en", "utf-8",
            "ndjson", _ndjson_bytes(tables["wechat_orders"])),
        out("store_sales", "store_sales.csv", "orders", "offline_store", "generic_zh", "utf-8-sig",
            "csv", _csv_bytes(tables["store_sales"], encoding="utf-8-sig", delimiter=";"),
            delimiter=";"),
        out("call_centre_interactions", "call_centre_interactions.csv", "interactions",
            "call_centre", "generic_en", "utf-8", "csv",
            _csv_bytes(tables["call_centre_interactions"], encoding="utf-8"), delimiter=","),
        out("feedback_survey", "feedback_survey.json", "feedback", "call_centre", "generic_en",
            "utf-8", "json", _json_array_bytes(tables["feedback_survey"])),
        out("online_shop_survey", "online_shop_survey.csv", "feedback", "online_shop",
            "generic_en", "utf-8", "csv", _csv_bytes(tables["online_shop_survey"], encoding="utf-8"),
            delimiter=","),
        out("wechat_survey", "wechat_survey.csv", "feedback", "wechat", "generic_zh", "utf-8-sig",
            "csv", _csv_bytes(tables["wechat_survey"], encoding="utf-8-sig"), delimiter=","),
        out("store_survey", "store_survey.csv", "feedback", "offline_store", "generic_zh", "gbk",
            "csv", _csv_bytes(tables["store_survey"], encoding="gbk", newline="\r\n"),
            delimiter=","),
    ]  # fmt: skip

    truth_dir = out_dir / "_truth"
    truth_dir.mkdir(parents=True, exist_ok=True)
    files: list[DemoFile] = []
    for o in outputs:
        (out_dir / o.path).write_bytes(o.data)
        files.append(
            DemoFile(
                path=o.path,
                table=o.table,
                channel=o.channel,
                mapping=o.mapping,
                encoding=o.encoding,
                format=o.format,
                rows=o.rows,
                sha256=hashlib.sha256(o.data).hexdigest(),
                expected_bad_rows=tuple(o.bad),
                delimiter=o.delimiter,
                sheet=o.sheet,
            )
        )
    _write_truth(truth_dir, demo)
    manifest = Manifest(
        seed=seed,
        people=people,
        as_of=as_of,
        files=tuple(files),
        truth={"identities": "_truth/identities.csv", "people": "_truth/people.csv"},
    )
    text = yaml.safe_dump(manifest.to_dict(), allow_unicode=True, sort_keys=False, width=100)
    (out_dir / "manifest.yaml").write_bytes(text.encode("utf-8"))
    return manifest


def _office_e164(phone: str) -> str:
    """``021-52781234`` → ``+862152781234`` (empty stays empty)."""
    return "+86" + phone.replace("-", "")[1:] if phone else ""


def _write_truth(truth_dir: Path, demo: _Demo) -> None:
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
        city = _CITIES[p.city[i]]
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


# ---------------------------------------------------------------------------------------------
# Demo workspace
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoBuild:
    """What :func:`build_demo_workspace` did: per file, the import's counts."""

    workspace: Path
    built: bool
    imports: tuple[dict[str, Any], ...] = ()
    customers: int | None = None

    def __str__(self) -> str:
        if not self.built:
            return f"demo workspace {self.workspace} already exists; use --force to rebuild it"
        lines = [f"demo workspace built in {self.workspace}:"]
        for item in self.imports:
            lines.append(
                f"  {item['file']:<30} {item['table']:<12} read {item['rows_read']:>6,}  "
                f"loaded {item['rows_loaded']:>6,}  quarantined {item['rows_quarantined']:>3,}"
            )
        if self.customers is not None:
            lines.append(f"  identities resolved: {self.customers:,} customers")
        return "\n".join(lines)


def build_demo_workspace(
    workspace_dir: Path,
    files_dir: Path,
    *,
    seed: int = 7,
    people: int = 5000,
    force: bool = False,
    resolve_identities: bool = True,
) -> DemoBuild:
    """Generate the demo files and import them through the same pipeline a user goes through.

    Then, unless ``resolve_identities`` is false, identities are resolved (deterministic rules,
    run time the end of the demo's last day) so the analytics pages have customers to show.
    Nothing happens when the workspace already holds imports, unless ``force`` is set (then the
    workspace folder's database is replaced). Each file is imported with the table, channel and
    mapping preset its manifest entry names.
    """
    from cimlab.ingest.importer import import_file
    from cimlab.workspace import Workspace

    workspace_dir, files_dir = Path(workspace_dir), Path(files_dir)
    if (workspace_dir / "cimlab.duckdb").exists():
        if not force and Workspace.open(workspace_dir, create=False).batches().height:
            return DemoBuild(workspace=workspace_dir, built=False)
        for leftover in workspace_dir.glob("cimlab.duckdb*"):
            leftover.unlink()
    manifest = generate_demo_files(files_dir, seed=seed, people=people)
    workspace = Workspace.open(workspace_dir, create=True)
    imports = []
    for entry in manifest.files:
        result = import_file(
            workspace,
            files_dir / entry.path,
            table=entry.table,
            channel=entry.channel,
            mapping=entry.mapping,
            sheet=entry.sheet,
            user="demo",
        )
        imports.append(result.summary())
    customers = None
    if resolve_identities:
        from cimlab.identity import resolve

        run_at = datetime.combine(manifest.as_of, time(23, 59), tzinfo=UTC)
        customers = resolve(workspace, at=run_at).customers
    return DemoBuild(
        workspace=workspace_dir, built=True, imports=tuple(imports), customers=customers
    )
