"""The sample catalogue and its look-ups: barcodes as scanners send them, SKUs, search, categories."""

from __future__ import annotations

from decimal import Decimal

import pytest
from stdnum import ean

from terminal.catalogue import Catalogue, Product, UnknownBarcode, UnknownSku, ring_up, sample_catalogue
from terminal.checkout.errors import CheckoutError
from terminal.domain import Cart, InvalidValue, Money

CAT = sample_catalogue()


def test_sample_is_a_believable_shop() -> None:
    assert 20 <= len(CAT) <= 30
    assert CAT.categories() == ["Drinks", "Snacks", "Fresh", "Household"]
    assert all(len(CAT.in_category(c)) >= 4 for c in CAT.categories())
    assert CAT.currency == "CNY"
    for p in CAT:
        assert len(p.barcode) == 13 and ean.is_valid(p.barcode)
        assert p.name.isascii() and not p.name_zh.isascii()
        assert 100 <= p.price.amount <= 10_000, p  # 1 to 100 yuan
        assert p.tax_rate.inclusive and p.tax_rate.rate in (Decimal("0.13"), Decimal("0.09"))
    rates = {p.tax_rate.code for p in CAT}
    assert rates == {"VAT13", "VAT9"}
    assert len({p.sku for p in CAT}) == len({p.barcode for p in CAT}) == len(CAT)


def test_barcode_accepts_ean13_upca_ean8_and_whitespace() -> None:
    water = CAT.by_sku("DRK-001")
    assert CAT.by_barcode(water.barcode) is water
    assert CAT.by_barcode(f"  {water.barcode}\n") is water
    batteries = CAT.by_sku("HSH-005")  # imported, UPC-A on the pack
    assert CAT.by_barcode(batteries.barcode[1:]) is batteries
    gum = CAT.by_sku("SNK-005")  # small pack, EAN-8 on the wrapper
    assert CAT.by_barcode(gum.barcode[5:]) is gum


@pytest.mark.parametrize("code", ["6921000001017", "692100000101", "abc", "", "12345", "69210000010160"])
def test_bad_scan_is_one_clear_sentence(code: str) -> None:
    with pytest.raises(UnknownBarcode) as err:
        CAT.by_barcode(code)
    assert isinstance(err.value, CheckoutError)
    text = str(err.value)
    assert text.endswith(".") and text.count(". ") == 0 and "scan it again" in text


def test_valid_but_unknown_barcode() -> None:
    unknown = "400638133393"
    unknown += ean.calc_check_digit(unknown)
    with pytest.raises(UnknownBarcode, match="not in this shop's catalogue"):
        CAT.by_barcode(unknown)


def test_sku_lookup() -> None:
    assert CAT.by_sku("frs-003").name == "Eggs, 10"
    with pytest.raises(UnknownSku, match="XYZ-1 is not in"):
        CAT.by_sku("XYZ-1")


def test_search_english_chinese_sku_case_insensitive() -> None:
    assert [p.sku for p in CAT.search("MILK")] == ["SNK-002", "FRS-004"]
    assert [p.sku for p in CAT.search("牛奶")] == ["SNK-002", "FRS-004"]
    assert [p.sku for p in CAT.search("hsh-00")] == [f"HSH-00{i}" for i in range(1, 7)]
    assert CAT.search("caviar") == []
    assert len(CAT.search("  ")) == len(CAT)


def test_search_matches_word_starts_best_first() -> None:
    """Typing "cola" finds the cola, not "Milk chocolate" (a word must start with what is typed); an exact or
    prefix match comes before a match later in the name."""
    assert [p.sku for p in CAT.search("cola")] == ["DRK-003"]
    assert [p.sku for p in CAT.search("choc")] == ["SNK-002"]
    assert CAT.search("milk")[0].name.startswith("Milk")  # the prefix match first
    assert [p.sku for p in CAT.search("fresh milk 950 ml")] == ["FRS-004"]  # the whole name
    assert [p.sku for p in CAT.search("ric")] == ["FRS-005"]  # "Jasmine rice": a later word's start
    assert [p.sku for p in CAT.search("巧克力")] == ["SNK-002"]  # Chinese: anywhere in the name


def test_in_category() -> None:
    fresh = CAT.in_category("fresh")
    assert [p.category for p in fresh] == ["Fresh"] * len(fresh)
    assert CAT.in_category("Garden") == []


def test_ring_up_prices_with_the_products_tax() -> None:
    class Basket:
        def __init__(self) -> None:
            self.cart = Cart("CNY")

        def add_item(self, sku, name, unit_price, tax_rate, quantity=1) -> int:  # the Checkout.add_item signature
            return self.cart.add(sku, name, unit_price, tax_rate, quantity).line_no

    basket = Basket()
    ring_up(basket, CAT.by_sku("FRS-005"))  # rice 39.90 at 9 %
    ring_up(basket, CAT.by_sku("DRK-001"), 3)  # water 3 x 2.00 at 13 %
    totals = basket.cart.totals()
    assert totals.total == Money(3990 + 600, "CNY")
    assert {t.rate.code: t.tax.amount for t in totals.taxes} == {"VAT9": 329, "VAT13": 69}


def test_catalogue_refuses_bad_data() -> None:
    water = CAT.by_sku("DRK-001")
    with pytest.raises(InvalidValue, match="EAN-13"):
        Product("X-1", "X", "某", "Drinks", Money(100, "CNY"), water.tax_rate, "6921000001017")
    with pytest.raises(InvalidValue, match="two products"):
        Catalogue([water, water])
    with pytest.raises(TypeError):
        Product("X-1", "X", "某", "Drinks", 1.5, water.tax_rate, water.barcode)  # type: ignore[arg-type]


def test_other_currency_keeps_shelf_numbers() -> None:
    usd = sample_catalogue("USD")
    assert usd.currency == "USD" and usd.by_sku("DRK-002").price == Money(350, "USD")
    assert Product.display_name(CAT.by_sku("DRK-001"), "zh_CN") == "矿泉水 550毫升"
