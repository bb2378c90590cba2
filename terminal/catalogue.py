"""The shop's products: look up by scanned barcode, by SKU, or by a few typed letters.

Barcodes are GS1 numbers. A product stores its code as EAN-13; a scan may be EAN-13, UPC-A (12 digits) or EAN-8,
and is compared in its zero-padded 13-digit form (UPC-A "036000291452" is EAN-13 "0036000291452"; leading zeros do
not change the check digit). Check digits are python-stdnum's, not ours. Prices are shelf prices, tax included, as
Chinese retail shows them; `sample_catalogue()` is the demo store's stock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from stdnum import ean

from terminal.checkout.errors import CheckoutError
from terminal.domain import InvalidValue, Money, TaxRate
from terminal.domain._checks import require_text

# China VAT: 13 % on most goods; 9 % on agricultural products and staple foods (grain, fresh milk, eggs, fruit).
VAT13 = TaxRate("VAT13", Decimal("0.13"), inclusive=True)
VAT9 = TaxRate("VAT9", Decimal("0.09"), inclusive=True)


_WORD = re.compile(r"\w+")


class CatalogueError(CheckoutError):
    """Base of catalogue look-up failures; the message tells the cashier what to do."""


class UnknownBarcode(CatalogueError):
    """A scan that is malformed or names no product in this shop."""


class UnknownSku(CatalogueError):
    """A typed SKU that names no product in this shop."""


def gtin13(code: str) -> str:
    """A scanned EAN-13, UPC-A or EAN-8 as 13 digits, or `UnknownBarcode` when it cannot be a valid code."""
    if not isinstance(code, str):
        raise TypeError(f"barcode must be a str, not {type(code).__name__}")
    text = "".join(code.split())
    if len(text) not in (8, 12, 13) or not ean.is_valid(text):
        raise UnknownBarcode(f"Barcode {text or '(empty)'} did not read correctly; scan it again or type the SKU.")
    return text.zfill(13)


@dataclass(frozen=True, slots=True)
class Product:
    """One item on the shelf. `price` is per `unit`, tax included when `tax_rate.inclusive`."""

    sku: str
    name: str
    name_zh: str
    category: str
    price: Money
    tax_rate: TaxRate
    barcode: str
    unit: str = "each"
    category_zh: str = ""  # the category's Simplified Chinese name ("" : shown in English)

    def __post_init__(self) -> None:
        for value, what in ((self.sku, "SKU"), (self.name, "product name"), (self.name_zh, "Chinese name"),
                            (self.category, "category"), (self.unit, "unit")):
            require_text(value, what)
        if not isinstance(self.price, Money):
            raise TypeError("price must be Money")
        if self.price.is_negative:
            raise InvalidValue(f"The price of {self.name} cannot be negative.")
        if not isinstance(self.tax_rate, TaxRate):
            raise TypeError("tax_rate must be a TaxRate")
        if not isinstance(self.barcode, str) or len(self.barcode) != 13 or not ean.is_valid(self.barcode):
            raise InvalidValue(f"The barcode of {self.name} is not a valid EAN-13.")

    def display_name(self, lang: str = "en") -> str:
        """The name in the cashier's language: Chinese for any "zh..." locale, else English."""
        return self.name_zh if lang.lower().startswith("zh") else self.name


class _Till(Protocol):
    def add_item(self, sku: str, name: str, unit_price: Money, tax_rate: TaxRate, quantity: int = 1) -> int: ...


def ring_up(till: _Till, product: Product, quantity: int = 1) -> int:
    """Put `product` in the checkout's basket (`Checkout.add_item`); returns the line number."""
    return till.add_item(product.sku, product.name, product.price, product.tax_rate, quantity)


class Catalogue:
    """An immutable set of products in one currency, indexed by SKU and by 13-digit barcode."""

    def __init__(self, products: Iterable[Product]) -> None:
        self._products = tuple(products)
        if not self._products:
            raise InvalidValue("A catalogue needs at least one product.")
        currencies = {p.price.currency for p in self._products}
        if len(currencies) > 1:
            raise InvalidValue(f"A catalogue has one currency; these products use {', '.join(sorted(currencies))}.")
        self._by_sku: dict[str, Product] = {}
        self._by_barcode: dict[str, Product] = {}
        for p in self._products:
            if p.sku in self._by_sku:
                raise InvalidValue(f"SKU {p.sku} is used by two products.")
            if p.barcode in self._by_barcode:
                raise InvalidValue(f"Barcode {p.barcode} is used by two products.")
            self._by_sku[p.sku] = p
            self._by_barcode[p.barcode] = p

    @property
    def currency(self) -> str:
        return self._products[0].price.currency

    @property
    def products(self) -> tuple[Product, ...]:
        return self._products

    def __iter__(self) -> Iterator[Product]:
        return iter(self._products)

    def __len__(self) -> int:
        return len(self._products)

    def by_barcode(self, code: str) -> Product:
        """The product for a scanned EAN-13 / UPC-A / EAN-8 (surrounding or embedded whitespace is ignored)."""
        key = gtin13(code)
        try:
            return self._by_barcode[key]
        except KeyError:
            raise UnknownBarcode(f"Barcode {code.strip()} is not in this shop's catalogue; "
                                 "type the SKU or set the item aside.") from None

    def by_sku(self, sku: str) -> Product:
        key = sku.strip().upper() if isinstance(sku, str) else sku
        try:
            return self._by_sku[key]
        except KeyError:
            raise UnknownSku(f"SKU {sku!s} is not in this shop's catalogue; check the label and type it again.") \
                from None

    def search(self, text: str) -> list[Product]:
        """Products matching `text` (case-insensitive), best first: the whole name or SKU, then names or SKUs that
        start with it, then names with a word that starts with each typed word ("cola" finds "Cola 330 ml", not
        "Milk chocolate"); Chinese names match anywhere (no spaces between words). Blank -> all."""
        needle = text.strip().casefold()
        if not needle:
            return list(self._products)
        ranked = [(rank, i, p) for i, p in enumerate(self._products) if (rank := _match_rank(p, needle)) is not None]
        return [p for _, _, p in sorted(ranked, key=lambda r: r[:2])]

    def category_label(self, name: str, lang: str = "en") -> str:
        """A category's name in the cashier's language (the first product's `category_zh` for Chinese)."""
        if lang.lower().startswith("zh"):
            for p in self.in_category(name):
                if p.category_zh:
                    return p.category_zh
        return name

    def categories(self) -> list[str]:
        """Category names in the order they first appear (the order the shop lays them out)."""
        return list(dict.fromkeys(p.category for p in self._products))

    def in_category(self, name: str) -> list[Product]:
        """The products of one category (case-insensitive name); an unknown category has none."""
        wanted = name.strip().casefold()
        return [p for p in self._products if p.category.casefold() == wanted]


def _match_rank(product: Product, needle: str) -> int | None:
    """0 exact, 1 prefix, 2 every typed word starts a word of the name, 3 inside a Chinese name; None: no match."""
    names = (product.name.casefold(), product.name_zh.casefold(), product.sku.casefold())
    if needle in names:
        return 0
    if any(name.startswith(needle) for name in names):
        return 1
    typed = _WORD.findall(needle)
    if typed and any(all(any(w.startswith(t) for w in _WORD.findall(name)) for t in typed) for name in names):
        return 2
    if needle in product.name_zh.casefold():
        return 3
    return None


def _ean13(first12: str) -> str:
    return first12 + ean.calc_check_digit(first12)


# (sku, English, Chinese, price in CNY, VAT, first 12 digits of the barcode, unit)
_STOCK: dict[str, list[tuple[str, str, str, str, TaxRate, str, str]]] = {
    "Drinks": [
        ("DRK-001", "Mineral water 550 ml", "矿泉水 550毫升", "2.00", VAT13, "692100000101", "bottle"),
        ("DRK-002", "Green tea 500 ml", "绿茶 500毫升", "3.50", VAT13, "692100000102", "bottle"),
        ("DRK-003", "Cola 330 ml can", "可乐 330毫升 罐装", "3.00", VAT13, "692100000103", "can"),
        ("DRK-004", "Orange juice 1 L", "橙汁 1升", "12.80", VAT13, "692100000104", "carton"),
        ("DRK-005", "Iced latte 280 ml", "拿铁咖啡 280毫升", "6.50", VAT13, "692100000105", "bottle"),
        ("DRK-006", "Lager beer 500 ml can", "啤酒 500毫升 罐装", "5.50", VAT13, "692100000106", "can"),
    ],
    "Snacks": [
        ("SNK-001", "Potato crisps 70 g", "薯片 70克", "7.50", VAT13, "692200000201", "bag"),
        ("SNK-002", "Milk chocolate bar 43 g", "牛奶巧克力 43克", "6.90", VAT13, "692200000202", "each"),
        ("SNK-003", "Roasted sunflower seeds 200 g", "香瓜子 200克", "9.90", VAT13, "692200000203", "bag"),
        ("SNK-004", "Cup noodles, beef", "红烧牛肉杯面", "5.00", VAT13, "692200000204", "cup"),
        # an EAN-8 item (small pack), stored in its zero-padded 13-digit form
        ("SNK-005", "Mint chewing gum 12 pieces", "薄荷口香糖 12粒", "4.50", VAT13, "000006920114", "pack"),
        ("SNK-006", "Butter cookies 200 g", "黄油曲奇 200克", "8.80", VAT13, "692200000206", "box"),
    ],
    "Fresh": [
        ("FRS-001", "Bananas, bunch about 1 kg", "香蕉 约1公斤", "6.98", VAT9, "692300000301", "bunch"),
        ("FRS-002", "Fuji apples, pack of 4", "富士苹果 4个装", "15.80", VAT9, "692300000302", "pack"),
        ("FRS-003", "Eggs, 10", "鸡蛋 10枚", "13.90", VAT9, "692300000303", "box"),
        ("FRS-004", "Fresh milk 950 ml", "鲜牛奶 950毫升", "16.80", VAT9, "692300000304", "bottle"),
        ("FRS-005", "Jasmine rice 5 kg", "茉莉香米 5公斤", "39.90", VAT9, "692300000305", "bag"),
        ("FRS-006", "Plain yoghurt, 4 x 100 g", "原味酸奶 4杯装", "12.90", VAT13, "692300000306", "pack"),
    ],
    "Household": [
        ("HSH-001", "Toilet paper, 10 rolls", "卷纸 10卷", "29.90", VAT13, "692400000401", "pack"),
        ("HSH-002", "Dish soap 1.5 kg", "洗洁精 1.5公斤", "15.90", VAT13, "692400000402", "bottle"),
        ("HSH-003", "Laundry liquid 2 kg", "洗衣液 2公斤", "39.90", VAT13, "692400000403", "bottle"),
        ("HSH-004", "Toothpaste 120 g", "牙膏 120克", "12.50", VAT13, "692400000404", "tube"),
        # imported: a UPC-A code, i.e. EAN-13 with a leading 0
        ("HSH-005", "AA batteries, 4", "5号电池 4节", "14.90", VAT13, "003600029145", "pack"),
        ("HSH-006", "Rubbish bags, 30", "垃圾袋 30只", "6.90", VAT13, "692400000406", "roll"),
    ],
}


_CATEGORY_ZH = {"Drinks": "饮料", "Snacks": "零食", "Fresh": "生鲜", "Household": "日用品"}


def sample_catalogue(currency: str = "CNY") -> Catalogue:
    """The demo store: 24 everyday products in 4 categories, English + Simplified Chinese names, CNY shelf prices.

    Another `currency` keeps the same shelf numbers (rounded half-up to that currency's minor unit): handy for
    tests of other currencies, not a price list.
    """
    products = []
    for category, rows in _STOCK.items():
        for sku, name, name_zh, price, vat, digits, unit in rows:
            products.append(Product(sku, name, name_zh, category, Money.from_decimal(Decimal(price), currency),
                                    vat, _ean13(digits), unit, _CATEGORY_ZH[category]))
    return Catalogue(products)
