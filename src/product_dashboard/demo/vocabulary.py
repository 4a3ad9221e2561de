"""Words the demo catalog is made of: vendors, product types, options, tags."""

from __future__ import annotations

from dataclasses import dataclass

SIZES = ("XS", "S", "M", "L", "XL", "XXL")
COLORS = (
    "Black",
    "White",
    "Navy",
    "Heather Grey",
    "Olive",
    "Sand",
    "Burgundy",
    "Forest Green",
    "Sky Blue",
    "Rust",
    "Charcoal",
    "Cream",
    "Mustard",
    "Blush Pink",
)

VENDORS = (
    "Northwind Outfitters",
    "Harbor & Pine",
    "Copper Kettle Co.",
    "Lumen Goods",
    "Wildfern Studio",
    "Atlas Supply",
    "Maple & Moss",
    "Bluebird Atelier",
    "Granite Peak",
    "Saltwater Trading",
    "Oak Hollow",
    "Urban Nomad",
    "Juniper Lane",
    "Ironbark Workshop",
    "Tidewater Collective",
    "Sunday Ritual",
    "Fieldhouse",
    "Kestrel & Co.",
    "Little Lantern",
    "Quarry Goods",
)

ADJECTIVES = (
    "Classic",
    "Essential",
    "Everyday",
    "Vintage",
    "Heritage",
    "Modern",
    "Relaxed",
    "Premium",
    "Signature",
    "Coastal",
    "Alpine",
    "Urban",
    "Minimal",
    "Rustic",
    "Weekend",
    "Studio",
    "Trail",
    "Cozy",
    "Lightweight",
    "Handcrafted",
)

COMMON_TAGS = (
    "New Arrival",
    "Bestseller",
    "Sale",
    "Gift Idea",
    "Limited Edition",
    "Eco-Friendly",
    "Handmade",
    "Vegan",
    "Summer",
    "Winter",
    "Spring",
    "Autumn",
    "Staff Pick",
    "Online Exclusive",
    "Back in Stock",
)


@dataclass(frozen=True, slots=True)
class OptionSpec:
    name: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProductTypeSpec:
    """One product type: how its titles are composed, its options, price and weight ranges."""

    name: str
    code: str
    category: str
    nouns: tuple[str, ...]
    materials: tuple[str, ...]
    options: tuple[OptionSpec, ...]
    price_range: tuple[int, int]  # whole currency units
    weight_range: tuple[int, int]  # grams
    tags: tuple[str, ...]


def _opt(name: str, *values: str) -> OptionSpec:
    return OptionSpec(name, values)


SIZE = OptionSpec("Size", SIZES)
COLOR = OptionSpec("Color", COLORS)

PRODUCT_TYPES: tuple[ProductTypeSpec, ...] = (
    ProductTypeSpec(
        "T-Shirts",
        "TEE",
        "Apparel & Accessories > Clothing > Clothing Tops > T-Shirts",
        ("Tee", "T-Shirt", "Crew Tee", "V-Neck Tee", "Pocket Tee"),
        ("Cotton", "Organic Cotton", "Linen", "Bamboo", "Slub Cotton"),
        (SIZE, COLOR, _opt("Fit", "Regular", "Slim", "Oversized")),
        (15, 45),
        (140, 260),
        ("cotton", "basics", "unisex"),
    ),
    ProductTypeSpec(
        "Hoodies",
        "HOD",
        "Apparel & Accessories > Clothing > Activewear > Hoodies",
        ("Hoodie", "Zip Hoodie", "Pullover", "Sweatshirt"),
        ("Fleece", "French Terry", "Brushed Cotton", "Recycled Poly"),
        (SIZE, COLOR),
        (45, 110),
        (450, 800),
        ("layering", "fleece", "unisex"),
    ),
    ProductTypeSpec(
        "Jackets",
        "JKT",
        "Apparel & Accessories > Clothing > Outerwear > Coats & Jackets",
        ("Jacket", "Parka", "Windbreaker", "Field Jacket", "Puffer"),
        ("Waxed Canvas", "Nylon", "Down", "Denim", "Wool Blend"),
        (SIZE, COLOR, _opt("Length", "Regular", "Long")),
        (89, 349),
        (600, 1600),
        ("outerwear", "waterproof", "outdoor"),
    ),
    ProductTypeSpec(
        "Jeans",
        "JNS",
        "Apparel & Accessories > Clothing > Pants > Jeans",
        ("Jeans", "Straight Jeans", "Slim Jeans", "Carpenter Pants"),
        ("Selvedge Denim", "Stretch Denim", "Raw Denim", "Organic Denim"),
        (
            _opt("Waist", "28", "29", "30", "31", "32", "33", "34", "36", "38"),
            _opt("Length", "30", "32", "34"),
            _opt("Wash", "Rinse", "Indigo", "Stone", "Black"),
        ),
        (59, 189),
        (550, 900),
        ("denim", "bottoms"),
    ),
    ProductTypeSpec(
        "Sneakers",
        "SNK",
        "Apparel & Accessories > Shoes > Athletic Shoes",
        ("Sneaker", "Runner", "Court Shoe", "Trainer", "High-Top"),
        ("Leather", "Suede", "Knit", "Canvas", "Recycled Mesh"),
        (
            _opt("Size", "6", "7", "8", "9", "10", "11", "12", "13"),
            COLOR,
            _opt("Width", "Regular", "Wide"),
        ),
        (65, 220),
        (700, 1200),
        ("footwear", "running"),
    ),
    ProductTypeSpec(
        "Backpacks",
        "BAG",
        "Luggage & Bags > Backpacks",
        ("Backpack", "Daypack", "Rolltop Pack", "Commuter Pack"),
        ("Cordura", "Waxed Canvas", "Ripstop", "Recycled Nylon"),
        (COLOR, _opt("Capacity", "18L", "24L", "30L")),
        (49, 199),
        (600, 1500),
        ("travel", "carry", "outdoor"),
    ),
    ProductTypeSpec(
        "Mugs",
        "MUG",
        "Home & Garden > Kitchen & Dining > Tableware > Drinkware > Mugs",
        ("Mug", "Camp Mug", "Espresso Cup", "Latte Mug"),
        ("Stoneware", "Enamel", "Porcelain", "Ceramic"),
        (COLOR, _opt("Size", "8 oz", "12 oz", "16 oz")),
        (12, 38),
        (250, 500),
        ("kitchen", "coffee", "gift"),
    ),
    ProductTypeSpec(
        "Candles",
        "CND",
        "Home & Garden > Decor > Home Fragrances > Candles",
        ("Candle", "Travel Tin Candle", "Pillar Candle", "Jar Candle"),
        ("Soy Wax", "Beeswax", "Coconut Wax"),
        (
            _opt("Scent", "Cedar", "Lavender", "Sea Salt", "Fig", "Amber", "Vanilla", "Sage"),
            _opt("Size", "4 oz", "8 oz", "14 oz"),
        ),
        (14, 48),
        (150, 700),
        ("home", "fragrance", "gift"),
    ),
    ProductTypeSpec(
        "Notebooks",
        "NBK",
        "Office Supplies > Paper Products > Notebooks & Notepads",
        ("Notebook", "Journal", "Sketchbook", "Planner"),
        ("Recycled Paper", "Linen Cover", "Leather Cover", "Kraft"),
        (COLOR, _opt("Paper", "Lined", "Dotted", "Blank", "Grid"), _opt("Format", "A5", "A6")),
        (9, 36),
        (120, 450),
        ("stationery", "office", "gift"),
    ),
    ProductTypeSpec(
        "Water Bottles",
        "BTL",
        "Home & Garden > Kitchen & Dining > Food & Beverage Carriers > Water Bottles",
        ("Water Bottle", "Insulated Bottle", "Tumbler", "Flask"),
        ("Stainless Steel", "Glass", "Tritan", "Titanium"),
        (_opt("Size", "12 oz", "20 oz", "32 oz", "40 oz"), COLOR),
        (18, 55),
        (220, 650),
        ("hydration", "outdoor"),
    ),
    ProductTypeSpec(
        "Sunglasses",
        "SUN",
        "Apparel & Accessories > Clothing Accessories > Sunglasses",
        ("Sunglasses", "Aviators", "Wayfarers", "Round Shades"),
        ("Acetate", "Titanium", "Bio-Acetate", "Bamboo"),
        (
            _opt("Frame", "Tortoise", "Black", "Crystal", "Gold", "Silver"),
            _opt("Lens", "Grey", "Green", "Brown", "Polarized Grey"),
        ),
        (39, 189),
        (25, 60),
        ("summer", "eyewear", "uv400"),
    ),
    ProductTypeSpec(
        "Yoga Mats",
        "YOG",
        "Sporting Goods > Exercise & Fitness > Yoga & Pilates > Yoga Mats",
        ("Yoga Mat", "Travel Mat", "Studio Mat"),
        ("Natural Rubber", "Cork", "TPE", "Jute"),
        (_opt("Thickness", "3 mm", "5 mm", "6 mm"), COLOR),
        (35, 129),
        (900, 2600),
        ("fitness", "yoga", "wellness"),
    ),
    ProductTypeSpec(
        "Tea",
        "TEA",
        "Food, Beverages & Tobacco > Beverages > Tea & Infusions",
        ("Tea", "Loose Leaf Tea", "Herbal Blend", "Chai"),
        ("Green", "Black", "Oolong", "Rooibos", "White"),
        (
            _opt("Weight", "50 g", "100 g", "250 g"),
            _opt("Format", "Loose Leaf", "Tea Bags"),
        ),
        (8, 32),
        (60, 280),
        ("organic", "pantry", "caffeine"),
    ),
    ProductTypeSpec(
        "Coffee",
        "COF",
        "Food, Beverages & Tobacco > Beverages > Coffee",
        ("Coffee", "Espresso Roast", "Single Origin", "House Blend"),
        ("Ethiopia", "Colombia", "Guatemala", "Sumatra", "Kenya", "Brazil"),
        (
            _opt("Grind", "Whole Bean", "Espresso", "Filter", "French Press"),
            _opt("Weight", "250 g", "500 g", "1 kg"),
        ),
        (12, 45),
        (260, 1050),
        ("coffee", "pantry", "fair-trade"),
    ),
    ProductTypeSpec(
        "Necklaces",
        "NCK",
        "Apparel & Accessories > Jewelry > Necklaces",
        ("Necklace", "Pendant", "Chain", "Choker"),
        ("Sterling Silver", "Gold Vermeil", "Brass", "Rose Gold"),
        (
            _opt("Metal", "Silver", "Gold", "Rose Gold"),
            _opt("Length", "16 in", "18 in", "20 in", "24 in"),
        ),
        (29, 189),
        (8, 40),
        ("jewelry", "gift"),
    ),
    ProductTypeSpec(
        "Socks",
        "SCK",
        "Apparel & Accessories > Clothing > Underwear & Socks > Socks",
        ("Socks", "Crew Socks", "Hiking Socks", "Ankle Socks"),
        ("Merino", "Cotton", "Bamboo", "Alpaca"),
        (_opt("Size", "S", "M", "L", "XL"), COLOR, _opt("Pack", "Single", "3-Pack")),
        (9, 29),
        (40, 160),
        ("basics", "merino"),
    ),
    ProductTypeSpec(
        "Beanies",
        "BNE",
        "Apparel & Accessories > Clothing Accessories > Hats",
        ("Beanie", "Watch Cap", "Cuffed Beanie", "Fisherman Beanie"),
        ("Merino Wool", "Cashmere", "Acrylic", "Alpaca Blend"),
        (COLOR,),
        (19, 69),
        (60, 140),
        ("winter", "knitwear"),
    ),
    ProductTypeSpec(
        "Planters",
        "PLT",
        "Home & Garden > Lawn & Garden > Gardening > Pots & Planters",
        ("Planter", "Plant Pot", "Hanging Planter", "Bud Vase"),
        ("Terracotta", "Ceramic", "Concrete", "Glazed Stoneware"),
        (_opt("Size", "Small", "Medium", "Large"), COLOR),
        (14, 89),
        (300, 3500),
        ("plants", "home", "decor"),
    ),
    ProductTypeSpec(
        "Blankets",
        "BLK",
        "Home & Garden > Linens & Bedding > Bedding > Blankets",
        ("Blanket", "Throw", "Picnic Blanket", "Quilt"),
        ("Wool", "Cotton Waffle", "Linen", "Recycled Fleece"),
        (COLOR, _opt("Size", "Throw", "Queen", "King")),
        (49, 249),
        (900, 2800),
        ("home", "bedding", "cozy"),
    ),
    ProductTypeSpec(
        "Wallets",
        "WAL",
        "Apparel & Accessories > Handbags, Wallets & Cases > Wallets & Money Clips",
        ("Wallet", "Card Holder", "Bifold", "Coin Pouch"),
        ("Full-Grain Leather", "Vegetable-Tanned Leather", "Cork", "Waxed Canvas"),
        (COLOR,),
        (25, 120),
        (40, 140),
        ("leather", "accessories", "gift"),
    ),
)
