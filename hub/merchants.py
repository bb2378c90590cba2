"""Per-merchant settings at the hub: the time zone of the merchant's business day.

A movement belongs to the settlement day on which it happened in the merchant's own time zone (a shop in Shanghai
closes its day at midnight Shanghai time, not at 08:00). Unset, the business day is the UTC date. A change applies
to movements booked after it; days already booked keep their date.
"""

from __future__ import annotations

from datetime import UTC, tzinfo
from zoneinfo import ZoneInfo

from hub.backend import Tx
from sync.protocol import Message, TimeZoneName


class MerchantSettings(Message):
    business_timezone: TimeZoneName  # an IANA name, e.g. Asia/Shanghai


def business_zone(tx: Tx, merchant_id: str) -> tzinfo:
    row = tx.one("SELECT business_timezone FROM merchant_settings WHERE merchant_id = ?", (merchant_id,))
    return ZoneInfo(row[0]) if row else UTC


def put_settings(tx: Tx, merchant_id: str, settings: MerchantSettings) -> MerchantSettings:
    tx.run("INSERT INTO merchant_settings (merchant_id, business_timezone) VALUES (?, ?) ON CONFLICT (merchant_id) "
           "DO UPDATE SET business_timezone = excluded.business_timezone", (merchant_id, settings.business_timezone))
    return settings
