"""The parts of journal money records the hub books, parsed with pydantic from the exact signed JSON text.

Only what the ledger needs is read (unknown fields are ignored: the terminal may add detail); what is read is
strict, so an amount that is not an integer, a missing tender or totals that do not add up make the record
`bad_payload`: it can never be booked, whatever the hub's state.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sync.protocol import MAX_AMOUNT, CurrencyCode, NoNul, TenderKind, Token

MONEY_TYPES = ("sale.completed", "refund.completed", "sale.voided")


class BadPayload(ValueError):
    """The record's body cannot be booked; the message says which field."""


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)


class Money(_Part):
    amount: Annotated[int, Field(ge=0, le=MAX_AMOUNT)]
    currency: CurrencyCode


class TenderPart(_Part):
    kind: TenderKind
    amount: Money
    reference: Annotated[str, Field(max_length=128), NoNul] | None = None
    token: Token | None = None


class _Totals(_Part):
    total: Money


def _same_currency(currency: str, tenders: tuple[TenderPart, ...], *amounts: Money) -> None:
    for money in (*(t.amount for t in tenders), *amounts):
        if money.currency != currency:
            raise ValueError(f"amount in {money.currency} inside a {currency} record")
    if any(t.amount.amount == 0 for t in tenders):
        raise ValueError("a tender of zero")


class SalePayload(_Part):
    sale_id: Annotated[str, Field(min_length=1, max_length=128), NoNul]
    currency: CurrencyCode
    tenders: Annotated[tuple[TenderPart, ...], Field(min_length=1, max_length=64)]
    totals: _Totals
    change: Money

    @property
    def total(self) -> int:
        return self.totals.total.amount

    @model_validator(mode="after")
    def _adds_up(self) -> SalePayload:
        _same_currency(self.currency, self.tenders, self.totals.total, self.change)
        cash = sum(t.amount.amount for t in self.tenders if t.kind is TenderKind.CASH)
        if self.change.amount > cash:
            raise ValueError("change exceeds the cash tendered")
        if sum(t.amount.amount for t in self.tenders) - self.change.amount != self.total:
            raise ValueError("tenders minus change do not add up to the total")
        return self


class RefundPayload(_Part):
    refund_id: Annotated[str, Field(min_length=1, max_length=128), NoNul]
    sale_id: Annotated[str, Field(min_length=1, max_length=128), NoNul]
    currency: CurrencyCode
    tenders: Annotated[tuple[TenderPart, ...], Field(min_length=1, max_length=64)]
    total: Money

    @model_validator(mode="after")
    def _adds_up(self) -> RefundPayload:
        _same_currency(self.currency, self.tenders, self.total)
        if sum(t.amount.amount for t in self.tenders) != self.total.amount:
            raise ValueError("tenders do not add up to the refund total")
        return self


class VoidPayload(_Part):
    void_id: Annotated[str, Field(min_length=1, max_length=128), NoNul]
    sale_id: Annotated[str, Field(min_length=1, max_length=128), NoNul]


Payload = SalePayload | RefundPayload | VoidPayload
_MODELS: dict[str, type[Payload]] = {
    "sale.completed": SalePayload, "refund.completed": RefundPayload, "sale.voided": VoidPayload,
}


def parse_payload(record_type: str, text: str) -> Payload | None:
    """The booked part of a money record; None for records that move no money (shift.*, receipt.*, ...)."""
    model = _MODELS.get(record_type)
    if model is None:
        return None
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "body"
        raise BadPayload(f"{record_type} cannot be booked: {where}: {error['msg']}") from None
