"""The fictional retailer's world: names, places, stores, products, statuses and buying
behaviours, and the two-year window the demo data covers.
"""

from __future__ import annotations

import numpy as np

WINDOW_DAYS = 730
"""Days of data before ``as_of``."""

# (surname, pinyin, weight)
SURNAMES: tuple[tuple[str, str, float], ...] = (
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
GIVEN_FEMALE: tuple[tuple[str, str], ...] = (
    ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("艳", "yan"),
    ("娟", "juan"), ("霞", "xia"), ("婷", "ting"), ("雪", "xue"), ("琳", "lin"), ("颖", "ying"),
    ("慧", "hui"), ("佳", "jia"), ("欣", "xin"), ("怡", "yi"), ("萱", "xuan"), ("梦", "meng"),
    ("晶", "jing"), ("倩", "qian"), ("璐", "lu"), ("瑶", "yao"), ("雅", "ya"), ("琪", "qi"),
    ("玥", "yue"), ("诗", "shi"), ("涵", "han"), ("思", "si"), ("雨", "yu"), ("悦", "yue"),
    ("秀", "xiu"), ("英", "ying"), ("兰", "lan"), ("玲", "ling"), ("燕", "yan"), ("红", "hong"),
    ("梅", "mei"), ("晓", "xiao"), ("文", "wen"), ("嘉", "jia"),
)  # fmt: skip
GIVEN_MALE: tuple[tuple[str, str], ...] = (
    ("伟", "wei"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"),
    ("杰", "jie"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("斌", "bin"), ("鹏", "peng"),
    ("浩", "hao"), ("宇", "yu"), ("轩", "xuan"), ("博", "bo"), ("俊", "jun"), ("辉", "hui"),
    ("刚", "gang"), ("峰", "feng"), ("建", "jian"), ("国", "guo"), ("华", "hua"), ("志", "zhi"),
    ("平", "ping"), ("东", "dong"), ("海", "hai"), ("林", "lin"), ("子", "zi"), ("然", "ran"),
    ("晨", "chen"), ("昊", "hao"), ("天", "tian"), ("睿", "rui"), ("泽", "ze"), ("凯", "kai"),
    ("文", "wen"), ("嘉", "jia"), ("晓", "xiao"), ("一", "yi"),
)  # fmt: skip
# Characters outside GBK (CJK extension A/B): people who carry them need GB18030.
RARE_GIVEN: tuple[tuple[str, str], ...] = (("䶮", "yan"), ("𠮷", "ji"))
EN_FEMALE = (
    "Emma", "Olivia", "Sophia", "Grace", "Chloe", "Emily", "Hannah", "Lucy", "Amelia", "Charlotte",
    "Mia", "Jessica", "Sarah", "Laura", "Anna", "Kate", "Rachel", "Helen", "Julia", "Claire",
)  # fmt: skip
EN_MALE = (
    "James", "John", "David", "Michael", "Daniel", "Thomas", "William", "Oliver", "Jack", "Henry",
    "Peter", "Paul", "Mark", "Lucas", "Ethan", "Samuel", "Robert", "Andrew", "Matthew", "Kevin",
)  # fmt: skip
EN_LAST = (
    "Smith", "Johnson", "Brown", "Taylor", "Wilson", "Miller", "Davis", "Anderson", "Thomas",
    "Moore", "Martin", "Clark", "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Scott",
    "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter",
)  # fmt: skip
WECHAT_NICKNAMES = (
    "小鱼儿🐟", "阳光", "Lily", "晴天", "🌸花花", "A-宝妈", "老王", "Tina", "木子", "快乐每一天",
    "风一样的男子", "Momo", "糖糖", "一叶知秋", "Jason", "小太阳☀️", "猫咪", "静待花开",
)  # fmt: skip
NICK_HEAD = ("小", "大", "爱吃", "快乐的", "胖", "萌萌", "阿", "懒", "酷", "甜")
NICK_TAIL = ("猫", "鱼", "兔子", "熊", "星星", "月亮", "饼干", "柠檬", "橙子", "布丁", "豆豆")
COMPANY_WORDS = ("恒信", "华美", "金达", "宏远", "新锐", "鼎盛", "嘉禾", "优品", "瑞丰", "百川")
COMPANY_TYPES = ("贸易", "科技", "餐饮管理", "文化传媒", "电子商务", "酒店管理")
EN_COMPANIES = ("Trading Ltd", "Consulting Co.", "Hospitality Ltd", "Design Studio", "Tech Ltd")

# (province_zh, city_zh, province_en, city_en, weight, municipality)
CITIES: tuple[tuple[str, str, str, str, float, bool], ...] = (
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
STORES: tuple[tuple[str, str, str], ...] = (
    ("SH01", "上海南京西路店", "上海"), ("SH02", "上海徐家汇店", "上海"),
    ("BJ01", "北京三里屯店", "北京"), ("BJ02", "北京国贸店", "北京"),
    ("GZ01", "广州天河城店", "广州"), ("SZ01", "深圳万象城店", "深圳"),
    ("HZ01", "杭州湖滨店", "杭州"), ("NJ01", "南京新街口店", "南京"),
    ("CD01", "成都太古里店", "成都"), ("WH01", "武汉江汉路店", "武汉"),
)  # fmt: skip

# (code, zh, en, popularity, (product zh, product en, list price), (variant zh, en, multiplier))
CATEGORIES: tuple[
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
# chosen: an order of two or more lines holds one of them with probability BUNDLE_P.
BUNDLES: tuple[tuple[str, str, float], ...] = (
    ("SP012", "SP071", 3),  # Yoga mat (pro) + Yoga block (entry)
    ("EL071", "EL081", 3),  # Smartphone (standard) + Phone case (standard)
    ("FD021", "HM071", 2),  # Green tea (small pack) + Teapot (ivory)
    ("PC011", "PC021", 3),  # Shampoo (single) + Body wash (single)
    ("MB011", "MB031", 3),  # Diapers (standard) + Baby wipes (standard)
    ("BE041", "BE031", 2),  # Serum (standard) + Face cream (standard)
    ("SH011", "SP031", 2),  # Running shoes (classic) + Sports bottle (entry)
)
BUNDLE_P = 0.12
TITLE_TAILS = ("2025新款", "正品保证", "官方正品", "包邮", "热卖爆款", "限时特惠")

NOTES: dict[str, tuple[str, ...]] = {
    "call": ("咨询订单物流", "询问退货流程", "Asked about delivery time", "会员积分查询",
             "Changed delivery address", "咨询发票"),
    "email": ("发票申请", "Requested an invoice", "Asked for the size guide", "修改收货地址"),
    "chat": ("咨询商品尺码", "Asked about stock", "优惠券无法使用", "Question about a product",
             "询问活动规则"),
    "complaint": ("商品破损", "快递太慢", "Wrong item delivered", "Refund not received yet",
                  "客服态度差", "Item not as described"),
    "visit": ("门店试穿", "Store visit: returned an item", "到店自提", "参加会员活动"),
}  # fmt: skip
COMMENTS: dict[str, tuple[str, ...]] = {
    "promoter": ("很满意，会回购", "Great quality, fast delivery", "物流很快，包装很好",
                 "Love it!", "客服很耐心", "Will recommend to friends"),
    "passive": ("还可以", "OK overall", "价格有点贵", "Delivery was a bit slow", "一般般"),
    "detractor": ("质量一般", "Item arrived damaged", "客服回复太慢", "Not as described",
                  "退款太慢", "Never again"),
}  # fmt: skip
PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "156", "157", "158", "159", "166", "176", "177", "178", "180", "181", "182", "183", "185",
    "186", "187", "188", "189", "191", "198", "199",
)  # fmt: skip
EMAIL_DOMAINS = (
    ("qq.com", 0.30), ("163.com", 0.20), ("126.com", 0.08), ("gmail.com", 0.12),
    ("outlook.com", 0.10), ("sina.com", 0.05), ("foxmail.com", 0.05), ("hotmail.com", 0.05),
    ("icloud.com", 0.05),
)  # fmt: skip
OPENID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# Landline area codes of the cities above (office lines in the call centre's contact list).
AREA_CODES = {
    "上海": "021", "北京": "010", "广州": "020", "深圳": "0755", "杭州": "0571", "南京": "025",
    "苏州": "0512", "成都": "028", "重庆": "023", "武汉": "027", "西安": "029", "天津": "022",
    "长沙": "0731", "厦门": "0592", "青岛": "0532", "郑州": "0371", "沈阳": "024", "昆明": "0871",
}  # fmt: skip

# Order status codes used internally.
PAID, REFUNDED, CANCELLED, PENDING = 0, 1, 2, 3
STATUS_EN = ("paid", "refunded", "cancelled", "pending")
STATUS_STORE = ("已完成", "已退款", "已取消")
TMALL_SHIPPING = ("卖家已发货", "等待买家确认收货", "买家已付款", "等待卖家发货")

# Buying behaviour of a person (``behaviour`` in ``_truth/people.csv``).
BEHAVIOURS = ("regular", "one_time", "loyal", "lapsed", "won_back", "new")
REGULAR, ONE_TIME, LOYAL, LAPSED, WON_BACK, NEW = range(len(BEHAVIOURS))
# P(behaviour) by the person's first sales channel (single-channel people) and for people of
# several channels (last row): Tmall brings one-time buyers, stores and WeChat loyal ones.
BEHAVIOUR_P = np.array(
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
ORDERS_PER_YEAR = {"online_shop": 2.0, "tmall": 1.5, "wechat": 2.0, "offline_store": 2.4}
BEHAVIOUR_RATE = np.array([1.0, 0.0, 4.0, 1.6, 1.4, 1.5])
# Days (from the window start) of the service trouble: a courier backlog around the Spring
# Festival delays online deliveries (late_day_share of the online orders of those days).
DELAY = (555, 612)
