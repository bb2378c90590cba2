"""One catalogue that words every code the core returns or raises, in the screen's language (English included).

The checkout, operators, shifts and drivers hand the UI a `code` and plain `params` (terminal.checkout.errors says
their rules); their English `sentence` / str(exc) is for logs and the CLI, and only a fallback here for a code this
catalogue does not know (tests/ui/test_wording.py keeps that from happening). The English texts are Qt message ids
in the context "Code", so lupdate collects them and edgepos_zh_CN.ts stays the reviewed source of the Chinese.

How params are put in: `{name}` placeholders (str.format); a param ending in `_code` is itself worded and fills
`{name without _code}` (a device's `advice_code` fills `{advice}`); one ending in `_role` is a role shown in the
screen's language; `kind_label` is a tender's name, `action` and `step` (what was tried, the till's step) are
translated in the contexts Action and Step; `then` is a tuple of (code, params) sentences said after it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from terminal.ui.widgets import role_names, tender_name

log = logging.getLogger("edgepos.ui")

CATALOGUE: dict[str, str] = {  # code -> English sentence (the message id the translations hang on)
    # digital currency (terminal.checkout.cbdc, terminal.cbdc.offline)
    "cbdc_goes_back_to_wallet": QT_TRANSLATE_NOOP("Code", "The digital-currency payment goes back to the customer's "
                                   "wallet."),
    "cbdc_refund_needs_network": QT_TRANSLATE_NOOP("Code", "The digital-currency refund needs the network. Finish "
                                   "the refund from the sale when it is back."),
    "cbdc_needs_network": QT_TRANSLATE_NOOP("Code", "Online digital currency needs the network, which is down. Ask "
                                   "the customer to tap their hard wallet, or take another way to pay."),
    "cbdc_code_unreadable": QT_TRANSLATE_NOOP("Code", "This is not a digital-currency payment code. Ask the "
                                   "customer to open it again."),
    "cbdc_code_invalid": QT_TRANSLATE_NOOP("Code", "That is not a valid digital-currency payment code. Ask the "
                                   "customer to open it again."),
    "cbdc_over_payment_limit": QT_TRANSLATE_NOOP("Code", "That is over this wallet's limit per payment ({limit}). "
                                   "Ask for a smaller amount or another way to pay."),
    "cbdc_over_day_limit": QT_TRANSLATE_NOOP("Code", "That is over this wallet's limit for today ({limit}). Ask for "
                                   "another way to pay."),
    "cbdc_insufficient_funds": QT_TRANSLATE_NOOP("Code", "The wallet does not hold enough. Ask the customer to top "
                                   "it up or pay another way."),
    "cbdc_code_expired": QT_TRANSLATE_NOOP("Code", "The payment code has expired. Ask the customer to refresh it "
                                   "and scan again."),
    "cbdc_code_used": QT_TRANSLATE_NOOP("Code", "That payment code was used already. Ask the customer to show a new "
                                   "one."),
    "cbdc_wallet_blocked": QT_TRANSLATE_NOOP("Code", "This wallet is blocked. Ask for another way to pay."),
    "cbdc_wrong_currency": QT_TRANSLATE_NOOP("Code", "This wallet holds another currency. Ask for another way to "
                                   "pay."),
    "cbdc_scan_shop_qr": QT_TRANSLATE_NOOP("Code", "Ask the customer to scan the code with their digital-currency "
                                   "wallet and pay {amount}."),
    "cbdc_waiting": QT_TRANSLATE_NOOP("Code", "Waiting for the customer's wallet to pay."),
    "cbdc_waiting_network": QT_TRANSLATE_NOOP("Code", "Waiting for the wallet's payment (the network is slow)."),
    "cbdc_order_expired": QT_TRANSLATE_NOOP("Code", "The code expired before the wallet paid. Show a new code or "
                                   "take another way to pay."),
    "cbdc_no_wallet_reader": QT_TRANSLATE_NOOP("Code", "No hard-wallet reader is set up on this till. Take another "
                                   "way to pay."),
    "cbdc_wallet_removed": QT_TRANSLATE_NOOP("Code", "The hard wallet was taken away too soon. Nothing was taken; "
                                   "ask the customer to hold it to the reader again."),
    "cbdc_wallet_refused": QT_TRANSLATE_NOOP("Code", "The hard wallet refused. Ask the customer to pay another way."),
    "cbdc_wallet_balance_low": QT_TRANSLATE_NOOP("Code", "The hard wallet holds too little offline value. Ask for "
                                   "another way to pay."),
    "cbdc_no_issuer_key": QT_TRANSLATE_NOOP("Code", "This till cannot check hard wallets yet: it needs to reach the "
                                   "hub once. Ask for another way to pay."),
    "cbdc_wallet_not_genuine": QT_TRANSLATE_NOOP("Code", "This hard wallet was not issued by the digital-currency "
                                   "operator. Do not accept it; ask for another way to pay."),
    "cbdc_wallet_revoked": QT_TRANSLATE_NOOP("Code", "This hard wallet is blocked (revoked by the operator). Ask "
                                   "for another way to pay."),
    "cbdc_offline_over_payment_cap": QT_TRANSLATE_NOOP("Code", "This is more than one offline digital-currency "
                                   "payment may be ({limit}). Ask for a smaller amount, the online wallet or "
                                   "another way to pay."),
    "cbdc_offline_wallet_count": QT_TRANSLATE_NOOP("Code", "This hard wallet has made as many offline payments as "
                                   "allowed ({count}); it must go online first. Ask for another way to pay."),
    "cbdc_offline_total_cap": QT_TRANSLATE_NOOP("Code", "This till holds as much offline digital currency as "
                                   "allowed until it syncs ({limit}). Ask for another way to pay."),
    "cbdc_offline_too_old": QT_TRANSLATE_NOOP("Code", "This till has been offline too long to take hard wallets. "
                                   "Ask for another way to pay until the network is back."),
    "cbdc_wallet_counter_replayed": QT_TRANSLATE_NOOP("Code", "This hard wallet repeated a payment counter (a "
                                   "copied card?). Do not accept it; ask for another way to pay."),
    "cbdc_payment_invalid": QT_TRANSLATE_NOOP("Code", "The hard wallet's answer does not verify. Nothing was taken; "
                                   "ask for another way to pay."),
    "cbdc_challenge_mismatch": QT_TRANSLATE_NOOP("Code", "The hard wallet answered an old or another till's "
                                   "request. Nothing was taken; ask for another way to pay."),
    "cbdc_offline_burst": QT_TRANSLATE_NOOP("Code", "This hard wallet is paying at several tills within minutes. "
                                   "Ask for the online wallet or another way to pay."),
    "cbdc_device_velocity": QT_TRANSLATE_NOOP("Code", "This hard wallet was used here many times in a few minutes. "
                                   "Ask for the online wallet or another way to pay."),
    "cbdc_double_spend": QT_TRANSLATE_NOOP("Code", "A digital-currency payment taken offline was a double spend and "
                                   "was reversed by the operator. Tell the manager."),
    "cbdc_payment_not_settled": QT_TRANSLATE_NOOP("Code", "That digital-currency payment is not settled, so it "
                                   "cannot be refunded yet."),
    "cbdc_refund_exceeds_payment": QT_TRANSLATE_NOOP("Code", "That is more than is left to refund of this "
                                   "digital-currency payment."),
    "payment_failed_nothing_taken": QT_TRANSLATE_NOOP("Code", "That payment could not be completed and nothing "
                                   "was taken. Try again, take another way to pay, or call a technician if it "
                                   "happens again."),
    "invalid_transition": QT_TRANSLATE_NOOP("Code", "You cannot {action} now (step: {step})."),
    "nothing_to_cancel": QT_TRANSLATE_NOOP("Code", "There is no open sale to cancel (a paid sale needs a void or "
                                   "a refund)."),
    "finish_open_sale_first": QT_TRANSLATE_NOOP("Code", "Finish or cancel the open sale first, then {action}."),
    "shift_not_open": QT_TRANSLATE_NOOP("Code", "Open the shift first: count the float in the drawer."),
    "basket_empty": QT_TRANSLATE_NOOP("Code", "The basket is empty. Scan an item first."),
    "choose_tender": QT_TRANSLATE_NOOP("Code", "Total {total}. Choose how to pay."),
    "part_paid": QT_TRANSLATE_NOOP("Code", "Part is paid already: finish the payment or cancel the sale."),
    "paid_not_saved": QT_TRANSLATE_NOOP("Code", "This sale is paid but could not be saved. Call a technician, "
                                   "then cancel the sale."),
    "amount_not_positive": QT_TRANSLATE_NOOP("Code", "Enter an amount above zero in {currency}."),
    "only_cash_pays_more": QT_TRANSLATE_NOOP("Code", "Only cash can pay more than the {due} due."),
    "no_card_reader": QT_TRANSLATE_NOOP("Code", "No card reader is connected. Take another way to pay or call a "
                                   "technician."),
    "card_removed_too_soon": QT_TRANSLATE_NOOP("Code", "The card was removed too soon. {advice}"),
    "shop_qr_scanned": QT_TRANSLATE_NOOP("Code", "That is a shop's QR code. Ask the customer to open their "
                                   "payment code."),
    "not_a_payment_code": QT_TRANSLATE_NOOP("Code", "This is not a payment code. Ask the customer to open their "
                                   "payment code."),
    "scan_shop_qr": QT_TRANSLATE_NOOP("Code", "Ask the customer to scan the code and pay {amount}."),
    "qr_not_set_up": QT_TRANSLATE_NOOP("Code", "QR payments are not set up on this till. Take another way to pay; "
                                   "call a technician."),
    "confirm_payment": QT_TRANSLATE_NOOP("Code", "Confirm this payment."),
    "pin_not_checked": QT_TRANSLATE_NOOP("Code", "The card could not check the PIN. Ask for another way to pay."),
    "step_up_pin_refused": QT_TRANSLATE_NOOP("Code", "The PIN was wrong or not entered. Ask for another way to pay."),
    "step_up_supervisor_refused": QT_TRANSLATE_NOOP("Code", "The supervisor did not approve this payment. Ask for "
                                   "another way to pay."),
    "card_needs_online": QT_TRANSLATE_NOOP("Code", "This card must be checked by the bank, and the network is "
                                   "down. Ask for cash or another card."),
    "hub_declined": QT_TRANSLATE_NOOP("Code", "The bank declined this payment. Ask for another way to pay."),
    "qr_needs_network": QT_TRANSLATE_NOOP("Code", "QR payments need the network, which is down. Ask for cash or a "
                                   "card."),
    "card_expired": QT_TRANSLATE_NOOP("Code", "This card has expired. Ask for another card or way to pay."),
    "card_blacklisted": QT_TRANSLATE_NOOP("Code", "This card is blocked. Ask for another way to pay."),
    "card_cvm_failed": QT_TRANSLATE_NOOP("Code", "The PIN was not verified. Ask the customer to try again or pay "
                                   "another way."),
    "card_declined": QT_TRANSLATE_NOOP("Code", "The card declined the payment. Ask for another card or way to pay."),
    "blacklisted": QT_TRANSLATE_NOOP("Code", "This card or wallet is blocked. Ask for another way to pay."),
    "currency_not_accepted": QT_TRANSLATE_NOOP("Code", "This terminal cannot take that currency. Ask for payment "
                                   "in the local one."),
    "no_fx_rate": QT_TRANSLATE_NOOP("Code", "No exchange rate for this currency yet. Take the local currency or "
                                   "try once online."),
    "over_sale_limit": QT_TRANSLATE_NOOP("Code", "The amount is over this terminal's limit. Split the sale or ask "
                                   "a supervisor."),
    "aml_limit": QT_TRANSLATE_NOOP("Code", "A large foreign-currency sale needs a supervisor to check ID before "
                                   "paying."),
    "offline_sale_limit": QT_TRANSLATE_NOOP("Code", "We are offline and this amount is too high. Ask for cash or "
                                   "a smaller amount."),
    "offline_total_limit": QT_TRANSLATE_NOOP("Code", "We are offline and the offline allowance is used up. Ask "
                                   "for cash."),
    "offline_too_long": QT_TRANSLATE_NOOP("Code", "We have been offline too long for cards. Ask for cash until "
                                   "the network is back."),
    "velocity_hour": QT_TRANSLATE_NOOP("Code", "This card was used too many times in the last hour. Ask for "
                                   "another way to pay."),
    "velocity_day": QT_TRANSLATE_NOOP("Code", "This card was used very often today. Ask a supervisor to confirm."),
    "key_entered": QT_TRANSLATE_NOOP("Code", "The card was not read by chip or tap. Ask the customer to enter the "
                                   "PIN."),
    "amount_pin": QT_TRANSLATE_NOOP("Code", "Large amount: ask the customer to enter the PIN."),
    "amount_supervisor": QT_TRANSLATE_NOOP("Code", "Very large amount: a supervisor must confirm this sale."),
    "risk_pin": QT_TRANSLATE_NOOP("Code", "Unusual for this card. Ask the customer to enter the PIN."),
    "risk_supervisor": QT_TRANSLATE_NOOP("Code", "This payment looks risky. Ask a supervisor to check ID."),
    "risk_decline": QT_TRANSLATE_NOOP("Code", "This payment looks like fraud. Decline it and ask for another way "
                                   "to pay."),
    "payment_not_saved": QT_TRANSLATE_NOOP("Code", "The payment could not be saved, so it was not taken. Call a "
                                   "technician; take no more card payments."),
    "tender_approved": QT_TRANSLATE_NOOP("Code", "{kind_label} {amount} approved. {remaining} still to pay."),
    "sale_not_saved": QT_TRANSLATE_NOOP("Code", "The sale could not be saved, so it is not finished. Call a "
                                   "technician, then cancel the sale."),
    "paid": QT_TRANSLATE_NOOP("Code", "Paid {paid}."),
    "give_change": QT_TRANSLATE_NOOP("Code", "Give {change} change."),
    "receipt_not_printed": QT_TRANSLATE_NOOP("Code", "The receipt did not print: {advice} Then press Reprint."),
    "still_due": QT_TRANSLATE_NOOP("Code", "{remaining} is still due."),
    "call_technician_if_again": QT_TRANSLATE_NOOP("Code", "Call a technician if it happens again."),
    "receipt_printed": QT_TRANSLATE_NOOP("Code", "Receipt printed."),
    "sale_done_no_receipt": QT_TRANSLATE_NOOP("Code", "Sale done without a receipt."),
    "drawer_open": QT_TRANSLATE_NOOP("Code", "Drawer open."),
    "sale_cancelled": QT_TRANSLATE_NOOP("Code", "Sale cancelled."),
    "give_back_cash": QT_TRANSLATE_NOOP("Code", "Give back {cash} cash."),
    "refund_over_tenders": QT_TRANSLATE_NOOP("Code", "Only {amount} of this can go back to the original payments; "
                                   "refund fewer items or call the manager."),
    "refund_unfinished": QT_TRANSLATE_NOOP("Code", "A refund of this sale was started and not saved. Finish that "
                                   "refund first."),
    "no_unfinished_refund": QT_TRANSLATE_NOOP("Code", "This sale has no unfinished refund."),
    "refund_choose_items": QT_TRANSLATE_NOOP("Code", "Choose at least one item to refund."),
    "refund_sale_voided": QT_TRANSLATE_NOOP("Code", "This sale was voided, so there is nothing to refund."),
    "domain_refusal": QT_TRANSLATE_NOOP("Code", "{message}"),
    "refund_whole_items": QT_TRANSLATE_NOOP("Code", "Enter whole numbers of items."),
    "refund_bank_refused": QT_TRANSLATE_NOOP("Code", "The bank refused to refund this card or QR payment. Call "
                                   "the manager."),
    "void_already": QT_TRANSLATE_NOOP("Code", "This sale was voided already."),
    "void_has_refunds": QT_TRANSLATE_NOOP("Code", "This sale has refunds, so it cannot be voided; refund the rest "
                                   "instead."),
    "void_earlier_day": QT_TRANSLATE_NOOP("Code", "This sale is from an earlier business day and is settled; "
                                   "refund it instead."),
    "refunded": QT_TRANSLATE_NOOP("Code", "Refunded {amount}."),
    "refund_sent_to_bank": QT_TRANSLATE_NOOP("Code", "The card or QR refund went to the bank."),
    "refund_bank_when_online": QT_TRANSLATE_NOOP("Code", "The card or QR refund reaches the bank when the network "
                                   "is back."),
    "refund_bank_next_sync": QT_TRANSLATE_NOOP("Code", "The card or QR refund reaches the bank with the next sync."),
    "sale_voided": QT_TRANSLATE_NOOP("Code", "Sale voided ({amount})."),
    "void_released_when_online": QT_TRANSLATE_NOOP("Code", "The card or QR payment is released when the network "
                                   "is back."),
    "void_released": QT_TRANSLATE_NOOP("Code", "The card or QR payment is released."),
    "refund_reason_missing": QT_TRANSLATE_NOOP("Code", "Enter a reason for the refund."),
    "void_reason_missing": QT_TRANSLATE_NOOP("Code", "Enter a reason for the void."),
    "sale_not_found": QT_TRANSLATE_NOOP("Code", "No completed sale with that number on this till. Search by time, "
                                   "amount or card."),
    "refund_not_saved": QT_TRANSLATE_NOOP("Code", "The refund could not be saved, so nothing was refunded. Call a "
                                   "technician."),
    "refund_not_completed": QT_TRANSLATE_NOOP("Code", "The refund could not be saved. Call a technician, then "
                                   "finish the refund from the sale."),
    "void_not_saved": QT_TRANSLATE_NOOP("Code", "The void could not be saved, so the sale stands. Call a technician."),
    "refund_slip_not_printed": QT_TRANSLATE_NOOP("Code", "The refund slip did not print: {advice}"),
    "void_slip_not_printed": QT_TRANSLATE_NOOP("Code", "The void slip did not print: {advice}"),
    "not_a_receipt_code": QT_TRANSLATE_NOOP("Code", "This is not a receipt code from this shop. Find the sale by "
                                   "time, amount or card instead."),
    "receipt_code_damaged": QT_TRANSLATE_NOOP("Code", "This receipt code is damaged. Find the sale by time, "
                                   "amount or card instead."),
    "search_time_zone": QT_TRANSLATE_NOOP("Code", "Give the search times with a time zone."),
    "search_amount_invalid": QT_TRANSLATE_NOOP("Code", "Enter the sale amount as a positive number."),
    "search_last4_invalid": QT_TRANSLATE_NOOP("Code", "Enter exactly the last four digits of the card."),
    "receipt_other_till": QT_TRANSLATE_NOOP("Code", "This receipt is from till {till}. Refund it at that till."),
    "wrong_pin": QT_TRANSLATE_NOOP("Code", "Wrong PIN. {tries_left} tries left."),
    "operator_locked": QT_TRANSLATE_NOOP("Code", "This operator is locked until {until} UTC. Ask a manager to unlock."),
    "too_many_wrong_pins": QT_TRANSLATE_NOOP("Code", "Too many wrong PINs: locked until {until} UTC. Ask a "
                                   "manager to unlock."),
    "only_manager_adds": QT_TRANSLATE_NOOP("Code", "Only a manager can add operators."),
    "pin_format": QT_TRANSLATE_NOOP("Code", "A PIN is 4 to 12 digits."),
    "operator_needs_id_name": QT_TRANSLATE_NOOP("Code", "An operator needs an id and a name."),
    "operator_exists": QT_TRANSLATE_NOOP("Code", "Operator {operator_id} already exists."),
    "unknown_operator": QT_TRANSLATE_NOOP("Code", "Unknown operator. Check the operator number."),
    "manager_disables_self": QT_TRANSLATE_NOOP("Code", "A manager cannot disable themselves; ask another manager."),
    "unknown_operator_or_pin": QT_TRANSLATE_NOOP("Code", "Unknown operator or wrong PIN."),
    "approver_not_permitted": QT_TRANSLATE_NOOP("Code", "{name} ({approver_role}) cannot approve this. Call a "
                                   "{needed_role}."),
    "approval_needed": QT_TRANSLATE_NOOP("Code", "A {needed_role} must approve this."),
    "float_wrong_currency": QT_TRANSLATE_NOOP("Code", "The float entered under {entered} is in {currency}. Enter "
                                   "it under {currency}."),
    "count_wrong_currency": QT_TRANSLATE_NOOP("Code", "The count entered under {entered} is in {currency}. Enter "
                                   "it under {currency}."),
    "float_below_zero": QT_TRANSLATE_NOOP("Code", "The float in {currency} cannot be below zero. Count the cash "
                                   "again."),
    "count_below_zero": QT_TRANSLATE_NOOP("Code", "The count in {currency} cannot be below zero. Count the cash "
                                   "again."),
    "no_open_shift": QT_TRANSLATE_NOOP("Code", "No shift is open. Open a shift and count the cash float first."),
    "shift_still_open": QT_TRANSLATE_NOOP("Code", "Shift Z{z_number} is still open. Close it with a Z report first."),
    "cannot_open_shift": QT_TRANSLATE_NOOP("Code", "{name} cannot open a shift. Log in as a cashier or manager."),
    "count_missing_currency": QT_TRANSLATE_NOOP("Code", "Count the {currencies} cash too (enter 0 if there is none)."),
    "no_such_z_report": QT_TRANSLATE_NOOP("Code", "There is no such Z report on this till."),
    "no_shift_closed": QT_TRANSLATE_NOOP("Code", "No shift was closed yet."),
    "report_language": QT_TRANSLATE_NOOP("Code", "Choose a report language: {languages}."),
    "report_not_printed": QT_TRANSLATE_NOOP("Code", "The report did not print: {advice} It is saved; print it again."),
    "device_check": QT_TRANSLATE_NOOP("Code", "Check the device and try again."),
    "device_service_unavailable": QT_TRANSLATE_NOOP("Code", "Start the reader service (pcscd) or restart the "
                                   "terminal."),
    "device_absent": QT_TRANSLATE_NOOP("Code", "Plug the device in (check the cable and power) and run `edgepos "
                                   "doctor`."),
    "device_card_removed": QT_TRANSLATE_NOOP("Code", "Ask the customer to insert the card again and leave it in "
                                   "until the end."),
    "device_timeout": QT_TRANSLATE_NOOP("Code", "Try again; if it keeps happening, reconnect the device."),
    "device_malformed_response": QT_TRANSLATE_NOOP("Code", "Try another card or payment method."),
    "device_paper_out": QT_TRANSLATE_NOOP("Code", "Load a new paper roll and close the printer cover."),
    "device_printer_offline": QT_TRANSLATE_NOOP("Code", "Switch the printer on, close its cover and check the "
                                   "cable or network."),
    "device_no_application": QT_TRANSLATE_NOOP("Code", "This card cannot be used here: ask for another card or "
                                   "payment method."),
    "device_unusable_code": QT_TRANSLATE_NOOP("Code", "This code cannot be used for payment: ask the customer for "
                                   "another code or payment method."),
    # the domain's refusals (terminal.domain.errors)
    "value_required": QT_TRANSLATE_NOOP("Code", "{What} is required."),
    "time_without_zone": QT_TRANSLATE_NOOP("Code", "The {what} has no time zone."),
    "time_not_valid": QT_TRANSLATE_NOOP("Code", "The {what} is not a valid time."),
    "cart_empty": QT_TRANSLATE_NOOP("Code", "The cart is empty."),
    "lines_numbered_twice": QT_TRANSLATE_NOOP("Code", "Two lines have the same line number."),
    "price_negative": QT_TRANSLATE_NOOP("Code", "The price of {name} cannot be negative."),
    "quantity_below_one": QT_TRANSLATE_NOOP("Code", "The quantity must be at least 1."),
    "discount_currency_differs": QT_TRANSLATE_NOOP("Code", "The discount is in {discount_currency}; the price is in "
                                   "{price_currency}."),
    "line_numbers_start_at_one": QT_TRANSLATE_NOOP("Code", "Line numbers and quantities start at 1."),
    "amounts_negative": QT_TRANSLATE_NOOP("Code", "Prices and discounts cannot be negative."),
    "line_amounts_do_not_add_up": QT_TRANSLATE_NOOP("Code", "The amounts of line {line} do not add up."),
    "item_currency_differs": QT_TRANSLATE_NOOP("Code", "This cart is in {cart_currency}; {name} is priced in "
                                   "{item_currency}."),
    "cart_discount_currency_differs": QT_TRANSLATE_NOOP("Code", "This cart is in {cart_currency}; the discount is in "
                                   "{discount_currency}."),
    "line_currency_differs": QT_TRANSLATE_NOOP("Code", "Line {line} is not in {currency}."),
    "line_not_in_cart": QT_TRANSLATE_NOOP("Code", "Line {line} is not in the cart."),
    "tax_code_other_rate": QT_TRANSLATE_NOOP("Code", "Tax code {tax_code} is already used with another rate."),
    "discount_percent_or_amount": QT_TRANSLATE_NOOP("Code", "A discount is either a percentage or an amount."),
    "discount_percent_range": QT_TRANSLATE_NOOP("Code", "A percentage discount must be above 0% and at most 100%."),
    "discount_amount_not_positive": QT_TRANSLATE_NOOP("Code", "A discount amount must be above zero."),
    "currency_not_supported": QT_TRANSLATE_NOOP("Code", "Currency {currency} is not supported."),
    "amount_not_a_number": QT_TRANSLATE_NOOP("Code", "The amount is not a number."),
    "amount_too_large": QT_TRANSLATE_NOOP("Code", "The amount is too large."),
    "not_an_amount": QT_TRANSLATE_NOOP("Code", "{text} is not an amount."),
    "too_many_decimals": QT_TRANSLATE_NOOP("Code", "{currency} amounts have {decimals}; {text} has more."),
    "currencies_differ": QT_TRANSLATE_NOOP("Code", "Cannot {verb} {first} and {second}."),
    "nothing_to_share_between": QT_TRANSLATE_NOOP("Code", "There is nothing to share the amount between."),
    "share_ratio_negative": QT_TRANSLATE_NOOP("Code", "A share ratio cannot be negative."),
    "share_ratios_all_zero": QT_TRANSLATE_NOOP("Code", "At least one share ratio must be above zero."),
    "split_into_no_parts": QT_TRANSLATE_NOOP("Code", "An amount can only be split into one or more parts."),
    "receipt_card_not_masked": QT_TRANSLATE_NOOP("Code", "A receipt keeps only a masked card: **** and four digits."),
    "receipt_sale_not_paid": QT_TRANSLATE_NOOP("Code", "The sale is not paid yet; there is no receipt to print."),
    "refund_of_another_sale": QT_TRANSLATE_NOOP("Code", "This refund is for another sale."),
    "sale_not_voided": QT_TRANSLATE_NOOP("Code", "This sale is not voided."),
    "not_a_receipt_record": QT_TRANSLATE_NOOP("Code", "This is not a receipt record."),
    "record_of_other_kind": QT_TRANSLATE_NOOP("Code", "This is not a {expected} record."),
    "line_not_on_sale": QT_TRANSLATE_NOOP("Code", "Line {line} is not on this sale."),
    "refund_at_least_one_unit": QT_TRANSLATE_NOOP("Code", "Refund at least one unit of each line chosen."),
    "refund_amount_negative": QT_TRANSLATE_NOOP("Code", "Refund amounts cannot be negative."),
    "refund_line_twice": QT_TRANSLATE_NOOP("Code", "A refund lists the same sale line twice."),
    "refund_pay_back_exactly": QT_TRANSLATE_NOOP("Code", "Pay back exactly {total} (the payments add up to "
                                   "{paid_out})."),
    "refund_total_mismatch": QT_TRANSLATE_NOOP("Code", "The refund record's total does not match its lines."),
    "sale_was_voided": QT_TRANSLATE_NOOP("Code", "This sale was voided."),
    "sale_already_paid": QT_TRANSLATE_NOOP("Code", "This sale is already paid."),
    "payment_currency_differs": QT_TRANSLATE_NOOP("Code", "This sale is in {sale_currency}; the payment is in "
                                   "{payment_currency}."),
    "nothing_left_to_pay": QT_TRANSLATE_NOOP("Code", "Nothing is left to pay."),
    "void_of_another_sale": QT_TRANSLATE_NOOP("Code", "This void is for another sale."),
    "sale_already_voided": QT_TRANSLATE_NOOP("Code", "This sale is already voided."),
    "sale_has_refunds": QT_TRANSLATE_NOOP("Code", "This sale has refunds; it can no longer be voided."),
    "refund_currency_differs": QT_TRANSLATE_NOOP("Code", "This sale is in {sale_currency}; the refund is in "
                                   "{refund_currency}."),
    "refund_already_recorded": QT_TRANSLATE_NOOP("Code", "This refund is already recorded."),
    "voided_sale_not_refundable": QT_TRANSLATE_NOOP("Code", "This sale was voided; it cannot be refunded."),
    "unpaid_sale_not_refundable": QT_TRANSLATE_NOOP("Code", "This sale is not paid yet; it cannot be refunded."),
    "refund_only_left": QT_TRANSLATE_NOOP("Code", "Only {left} of {name} can still be refunded."),
    "refund_line_currency_differs": QT_TRANSLATE_NOOP("Code", "This refund is in {refund_currency}; line {line} is "
                                   "not."),
    "refund_line_mismatch": QT_TRANSLATE_NOOP("Code", "Line {line} of the refund does not match the sale."),
    "refund_more_than_paid": QT_TRANSLATE_NOOP("Code", "This would refund more than was paid for {name}."),
    "refunded_in_full": QT_TRANSLATE_NOOP("Code", "{name} has already been refunded in full."),
    "sale_record_mismatch": QT_TRANSLATE_NOOP("Code", "The sale record's {field} does not match its lines and "
                                   "payments."),
    "tax_rate_not_a_fraction": QT_TRANSLATE_NOOP("Code", "Tax rate {rate} is not a fraction between 0 and 1 (13% is "
                                   "0.13)."),
    "tax_does_not_add_up": QT_TRANSLATE_NOOP("Code", "Net and tax do not add up to the gross amount."),
    "tax_code_two_rates": QT_TRANSLATE_NOOP("Code", "Tax code {tax_code} is used with two different rates."),
    "payment_not_positive": QT_TRANSLATE_NOOP("Code", "A payment must be above zero."),
    "payment_needs_reference": QT_TRANSLATE_NOOP("Code", "This payment needs its reference (authorisation or "
                                   "transaction id)."),
    "cash_has_no_card": QT_TRANSLATE_NOOP("Code", "A cash payment has no card."),
    "keep_last_four_only": QT_TRANSLATE_NOOP("Code", "Keep only the last four digits of the card."),
    "cash_has_no_token": QT_TRANSLATE_NOOP("Code", "A cash payment has no card or wallet token."),
    "token_malformed": QT_TRANSLATE_NOOP("Code", "A card or wallet token looks like tk_ and hex digits."),
    # issue 14: provisioning and the technician's tools
    "provision_code_malformed": QT_TRANSLATE_NOOP("Code", "This is not an edgepos provisioning code. Scan the code "
                                   "the hub printed."),
    "provision_code_altered": QT_TRANSLATE_NOOP("Code", "This provisioning code is damaged or was altered. Print a "
                                   "new one. Nothing was changed."),
    "provision_other_root": QT_TRANSLATE_NOOP("Code", "This provisioning code was signed by another provisioning "
                                   "root, not the one this terminal trusts. Nothing was changed."),
    "provision_code_expired": QT_TRANSLATE_NOOP("Code", "This provisioning code has expired. Print a new one. "
                                   "Nothing was changed."),
    "provision_code_used": QT_TRANSLATE_NOOP("Code", "This provisioning code was used already: each code sets up "
                                   "one terminal once. Print a new one. Nothing was changed."),
    "provision_code_unknown": QT_TRANSLATE_NOOP("Code", "The hub does not know this provisioning code. Print a new "
                                   "one at the hub the code names. Nothing was changed."),
    "provision_hub_key_mismatch": QT_TRANSLATE_NOOP("Code", "The server the code names is not the hub this code was "
                                   "made for (its key does not match): a device in the "
                                   "middle, or the wrong address. Nothing was changed."),
    "provision_no_root": QT_TRANSLATE_NOOP("Code", "No provisioning root is installed on this terminal. Install the "
                                   "package built with your root."),
    "provision_config_changed": QT_TRANSLATE_NOOP("Code", "The hub's settings or product list changed since this "
                                   "code was printed. Print a new one. Nothing was changed."),
    "provision_refused": QT_TRANSLATE_NOOP("Code", "The hub refused to set up this terminal. Print a new code. "
                                   "Nothing was changed."),
    "provision_failed": QT_TRANSLATE_NOOP("Code", "This terminal cannot be set up here: {reason}"),
    "provision_hub_unreachable": QT_TRANSLATE_NOOP("Code", "The hub did not answer. Check the network and scan "
                                   "again. Nothing was changed."),
    "provision_pins_differ": QT_TRANSLATE_NOOP("Code", "The two PINs differ. Type the PIN twice."),
    "provision_pin_invalid": QT_TRANSLATE_NOOP("Code", "A PIN is 4 to 12 digits."),
    "provision_done": QT_TRANSLATE_NOOP("Code", "Terminal {terminal} is set up for {location}. The slip is below; "
                                   "log in with the manager's PIN to sell."),
    "tech_devices_ok": QT_TRANSLATE_NOOP("Code", "All {count} devices passed their self-test."),
    "tech_devices_bad": QT_TRANSLATE_NOOP("Code", "These devices failed their self-test: {bad}."),
    "tech_print_ok": QT_TRANSLATE_NOOP("Code", "The test page was printed on {printer}."),
    "tech_print_failed": QT_TRANSLATE_NOOP("Code", "The test page could not be printed: {error}"),
    "tech_no_card_reader": QT_TRANSLATE_NOOP("Code", "No card reader is configured on this till."),
    "tech_card_ok": QT_TRANSLATE_NOOP("Code", "The test card was read (card ending {last4})."),
    "tech_card_failed": QT_TRANSLATE_NOOP("Code", "The test card could not be read: {error}"),
    "tech_no_hub": QT_TRANSLATE_NOOP("Code", "This till has no hub configured."),
    "tech_hub_ok": QT_TRANSLATE_NOOP("Code", "The hub {hub} answered in {ms} ms and holds every record up to "
                                   "{hub_seq}."),
    "tech_hub_bad": QT_TRANSLATE_NOOP("Code", "The hub {hub} does not match this till ({verdict}; hub {hub_seq}, "
                                   "till {local_seq})."),
    "tech_queue": QT_TRANSLATE_NOOP("Code", "{pending} records waiting (oldest {oldest_s} s); last sync "
                                   "{last_sync}; last error {last_error}."),
    "tech_logs_exported": QT_TRANSLATE_NOOP("Code", "Logs exported to {path} (no keys, no journal)."),
    "tech_diagnostics_qr": QT_TRANSLATE_NOOP("Code", "Signed diagnostics: photograph this code for the hub (edgepos "
                                   "hub read-diagnostics)."),
    "tech_login_refused": QT_TRANSLATE_NOOP("Code", "That operator id and PIN do not match."),
    "tech_not_technician": QT_TRANSLATE_NOOP("Code", "Only a technician or a manager opens these tools."),
}
# the self-checkout kiosk and the attendant station (terminal.kiosk, terminal.ui.kiosk)
CATALOGUE.update({
    "kiosk_touch_to_start": QT_TRANSLATE_NOOP("Code", "Touch the screen to start."),
    "kiosk_choose_language": QT_TRANSLATE_NOOP("Code", "Choose your language."),
    "kiosk_scan_first": QT_TRANSLATE_NOOP("Code", "Scan your first item, or find it by picture."),
    "kiosk_added": QT_TRANSLATE_NOOP("Code", "{name} {price} added."),
    "kiosk_place_in_bag": QT_TRANSLATE_NOOP("Code", "Put {name} in the bagging area."),
    "kiosk_scan_next": QT_TRANSLATE_NOOP("Code", "Scan the next item, or press Pay when you are done."),
    "kiosk_put_on_scale": QT_TRANSLATE_NOOP("Code", "Put {name} on the scale ({price} per kg), then press Weigh."),
    "kiosk_rebag": QT_TRANSLATE_NOOP("Code", "The bagging area did not weigh what we expected. Please take the item "
                                             "out and put it back."),
    "kiosk_check_basket": QT_TRANSLATE_NOOP("Code", "Check your basket: total {total}."),
    "kiosk_choose_payment": QT_TRANSLATE_NOOP("Code", "Total {total}. Choose how to pay."),
    "kiosk_paid": QT_TRANSLATE_NOOP("Code", "Paid {paid}. Choose your receipt."),
    "kiosk_enter_pin": QT_TRANSLATE_NOOP("Code", "Enter your card PIN on the keypad, then press OK."),
    "kiosk_scan_shop_qr": QT_TRANSLATE_NOOP("Code", "Scan this code with your payment app and pay {amount}."),
    "kiosk_payment_failed": QT_TRANSLATE_NOOP("Code", "The payment did not go through. {reason} Try again or choose "
                                                      "another way to pay."),
    "kiosk_receipt_not_printed": QT_TRANSLATE_NOOP("Code", "The receipt did not print: here it is as a QR code."),
    "kiosk_thank_you": QT_TRANSLATE_NOOP("Code", "Thank you for shopping with us!"),
    "kiosk_more_time": QT_TRANSLATE_NOOP("Code", "Do you need more time?"),
    "kiosk_continue": QT_TRANSLATE_NOOP("Code", "Please continue."),
    "kiosk_out_of_service": QT_TRANSLATE_NOOP("Code", "This checkout is closed. Please use another one."),
    "kiosk_reason_offline": QT_TRANSLATE_NOOP("Code", "We cannot reach the bank right now. Try a card, or call for "
                                                      "help."),
    "kiosk_reason_pin": QT_TRANSLATE_NOOP("Code", "The PIN was not accepted."),
    "kiosk_reason_card_read": QT_TRANSLATE_NOOP("Code", "The card could not be read. Insert it again and leave it in "
                                                        "until the screen says so."),
    "kiosk_reason_declined": QT_TRANSLATE_NOOP("Code", "The payment was not approved."),
    "kiosk_call_age_check": QT_TRANSLATE_NOOP("Code", "{name} needs an age check. An attendant is coming to help you."),
    "kiosk_call_weight_mismatch": QT_TRANSLATE_NOOP("Code", "The bagging area weight does not match your items. An "
                                                            "attendant is coming."),
    "kiosk_call_unknown_item": QT_TRANSLATE_NOOP("Code", "We do not know this item ({code}). Please put it aside: "
                                                         "an attendant is coming."),
    "kiosk_call_payment_failed": QT_TRANSLATE_NOOP("Code", "The payment needs an attendant. One is coming to help "
                                                           "you."),
    "kiosk_call_cancel_request": QT_TRANSLATE_NOOP("Code", "An attendant is coming to cancel your shopping."),
    "kiosk_call_high_value": QT_TRANSLATE_NOOP("Code", "Baskets of {total} need an attendant before payment. One is "
                                                       "coming."),
    "kiosk_call_help": QT_TRANSLATE_NOOP("Code", "An attendant is coming to help you."),
    "kiosk_not_now": QT_TRANSLATE_NOOP("Code", "That is not possible at this step."),
    "kiosk_bag_first": QT_TRANSLATE_NOOP("Code", "Put the last item in the bagging area first."),
    "kiosk_no_scale": QT_TRANSLATE_NOOP("Code", "This checkout has no scale. Call for help."),
    "kiosk_scale_empty": QT_TRANSLATE_NOOP("Code", "Put the item on the scale."),
    "kiosk_tender_unavailable": QT_TRANSLATE_NOOP("Code", "That way to pay is not available here."),
    "kiosk_receipt_choice": QT_TRANSLATE_NOOP("Code", "Choose print, QR code or no receipt."),
    "kiosk_no_badges": QT_TRANSLATE_NOOP("Code", "Badges are not set up on this checkout. Type your id and PIN."),
    "kiosk_attendant_needed": QT_TRANSLATE_NOOP("Code", "Tap your badge or type your id and PIN."),
    "kiosk_call_not_open": QT_TRANSLATE_NOOP("Code", "That call is no longer open on this checkout."),
    "kiosk_clear_at_lane": QT_TRANSLATE_NOOP("Code", "This call must be cleared at the checkout."),
    "kiosk_exit_refused": QT_TRANSLATE_NOOP("Code", "Only a technician or a manager can close the kiosk."),
    "kiosk_badge_unknown": QT_TRANSLATE_NOOP("Code", "This badge is not known here."),
    "kiosk_pay_card": QT_TRANSLATE_NOOP("Code", "Insert card"),
    "kiosk_pay_tap": QT_TRANSLATE_NOOP("Code", "Tap card or phone"),
    "kiosk_pay_code": QT_TRANSLATE_NOOP("Code", "Show your payment code"),
    "kiosk_pay_shop_qr": QT_TRANSLATE_NOOP("Code", "Scan the shop's QR code"),
    # digital currency at the kiosk (数字人民币 / Digital RMB), worded for the customer
    "kiosk_pay_cbdc_code": QT_TRANSLATE_NOOP("Code", "Digital RMB payment code"),
    "kiosk_pay_cbdc_qr": QT_TRANSLATE_NOOP("Code", "Digital RMB: scan our QR"),
    "kiosk_pay_cbdc_wallet": QT_TRANSLATE_NOOP("Code", "Digital RMB hard wallet"),
    "kiosk_pay_cbdc_wallet_tap": QT_TRANSLATE_NOOP("Code", "Tap a Digital RMB hard wallet"),
    "kiosk_scan_cbdc_qr": QT_TRANSLATE_NOOP("Code", "Open your Digital RMB wallet, scan this code and pay {amount}. "
                                                    "This screen moves on by itself once you have paid."),
    "kiosk_reason_cbdc_code": QT_TRANSLATE_NOOP("Code", "Your wallet's payment code could not be used. Open a fresh "
                                                        "code in your wallet and scan it again."),
    "kiosk_reason_cbdc_wallet": QT_TRANSLATE_NOOP("Code", "Your Digital RMB wallet cannot pay this amount (its "
                                                          "balance or limit)."),
    "kiosk_reason_cbdc_qr_expired": QT_TRANSLATE_NOOP("Code", "The shop's code expired before your wallet paid. "
                                                              "Nothing was taken."),
    "kiosk_reason_cbdc_hard_wallet": QT_TRANSLATE_NOOP("Code", "Your hard wallet could not pay. Nothing was taken; "
                                                               "hold it to the reader until the screen moves on."),
    "scale_motion": QT_TRANSLATE_NOOP("Code", "Hold still: put the item on the scale and take your hands off."),
    "scale_over_capacity": QT_TRANSLATE_NOOP("Code", "Too heavy for the scale: take part of it off."),
    "scale_under_zero": QT_TRANSLATE_NOOP("Code", "Empty the scale so it can zero itself, then try again."),
    "kiosk_btn_start": QT_TRANSLATE_NOOP("Code", "Touch to start"),
    "kiosk_btn_accessible": QT_TRANSLATE_NOOP("Code", "Large text"),
    "kiosk_btn_help": QT_TRANSLATE_NOOP("Code", "Call for help"),
    "kiosk_btn_cancel": QT_TRANSLATE_NOOP("Code", "Cancel shopping"),
    "kiosk_btn_pay": QT_TRANSLATE_NOOP("Code", "Pay"),
    "kiosk_btn_weigh": QT_TRANSLATE_NOOP("Code", "Weigh"),
    "kiosk_btn_back": QT_TRANSLATE_NOOP("Code", "Back"),
    "kiosk_btn_scan_more": QT_TRANSLATE_NOOP("Code", "Scan more items"),
    "kiosk_btn_print": QT_TRANSLATE_NOOP("Code", "Print receipt"),
    "kiosk_btn_qr": QT_TRANSLATE_NOOP("Code", "Receipt as QR code"),
    "kiosk_btn_none": QT_TRANSLATE_NOOP("Code", "No receipt"),
    "kiosk_btn_more_time": QT_TRANSLATE_NOOP("Code", "Yes, I need more time"),
    "kiosk_btn_done": QT_TRANSLATE_NOOP("Code", "Done"),
    "kiosk_btn_approve": QT_TRANSLATE_NOOP("Code", "Approve"),
    "kiosk_btn_refuse": QT_TRANSLATE_NOOP("Code", "Refuse"),
    "kiosk_btn_staff": QT_TRANSLATE_NOOP("Code", "Staff"),
    "kiosk_btn_close_kiosk": QT_TRANSLATE_NOOP("Code", "Close the kiosk"),
    "kiosk_btn_reopen": QT_TRANSLATE_NOOP("Code", "Open this checkout"),
    "kiosk_btn_out_of_service": QT_TRANSLATE_NOOP("Code", "Out of service"),
    "kiosk_search_title": QT_TRANSLATE_NOOP("Code", "Find it by picture"),
    "kiosk_basket_total": QT_TRANSLATE_NOOP("Code", "Total {total}"),
    "kiosk_basket_empty": QT_TRANSLATE_NOOP("Code", "Your basket is empty."),
    "kiosk_weight_shown": QT_TRANSLATE_NOOP("Code", "On the scale: {kg} kg"),
    "kiosk_attendant_panel": QT_TRANSLATE_NOOP("Code", "Attendant: tap your badge, or type your id and PIN."),
    "kiosk_staff_panel": QT_TRANSLATE_NOOP("Code", "Staff only: a technician or manager may close the kiosk."),
    "kiosk_receipt_qr_caption": QT_TRANSLATE_NOOP("Code", "Scan for your receipt"),
    "kiosk_welcome": QT_TRANSLATE_NOOP("Code", "Welcome"),
    "kiosk_type_barcode": QT_TRANSLATE_NOOP("Code", "Type a barcode, or a name to search"),
    "station_title": QT_TRANSLATE_NOOP("Code", "Attendant station"),
    "station_lane": QT_TRANSLATE_NOOP("Code", "Checkout {lane}"),
    "station_state": QT_TRANSLATE_NOOP("Code", "{step} · {items} items · {total}"),
    "station_stale": QT_TRANSLATE_NOOP("Code", "Not reporting: check the checkout."),
    "station_no_broker": QT_TRANSLATE_NOOP("Code", "No connection to the checkouts: answer calls at the checkouts."),
    "station_connected": QT_TRANSLATE_NOOP("Code", "Connected. Checkouts reporting: {count}"),
    "station_sign_in": QT_TRANSLATE_NOOP("Code", "Sign in with your id and PIN to answer calls."),
    "station_signed_in": QT_TRANSLATE_NOOP("Code", "Signed in: {name}"),
    "station_done": QT_TRANSLATE_NOOP("Code", "Done."),
    "station_refused": QT_TRANSLATE_NOOP("Code", "The checkout refused: {reason}"),
    "station_no_call": QT_TRANSLATE_NOOP("Code", "No call"),
    "station_sign_out": QT_TRANSLATE_NOOP("Code", "Sign out"),
    "kiosk_step_attract": QT_TRANSLATE_NOOP("Code", "waiting for a customer"),
    "kiosk_step_language": QT_TRANSLATE_NOOP("Code", "choosing a language"),
    "kiosk_step_scanning": QT_TRANSLATE_NOOP("Code", "scanning"),
    "kiosk_step_weighing": QT_TRANSLATE_NOOP("Code", "weighing"),
    "kiosk_step_basket": QT_TRANSLATE_NOOP("Code", "checking the basket"),
    "kiosk_step_paying": QT_TRANSLATE_NOOP("Code", "paying"),
    "kiosk_step_receipt_choice": QT_TRANSLATE_NOOP("Code", "choosing a receipt"),
    "kiosk_step_thank_you": QT_TRANSLATE_NOOP("Code", "finished"),
    "kiosk_step_help": QT_TRANSLATE_NOOP("Code", "CALLING FOR HELP"),
    "kiosk_step_idle_warning": QT_TRANSLATE_NOOP("Code", "idle warning"),
    "kiosk_step_out_of_service": QT_TRANSLATE_NOOP("Code", "out of service"),
})
# what the cashier tried and the step the till is at, for "You cannot {action} now (step: {step})."
ACTIONS = (
    QT_TRANSLATE_NOOP("Action", "take digital currency"), QT_TRANSLATE_NOOP("Action", "take a hard wallet"),
    QT_TRANSLATE_NOOP("Action", "show the digital-currency QR"),
    QT_TRANSLATE_NOOP("Action", "wait for the digital-currency payment"),
    QT_TRANSLATE_NOOP("Action", "add items"), QT_TRANSLATE_NOOP("Action", "approve as supervisor"),
    QT_TRANSLATE_NOOP("Action", "ask for a step-up"), QT_TRANSLATE_NOOP("Action", "change a price"),
    QT_TRANSLATE_NOOP("Action", "commit the sale"), QT_TRANSLATE_NOOP("Action", "confirm the QR payment"),
    QT_TRANSLATE_NOOP("Action", "decide"), QT_TRANSLATE_NOOP("Action", "enter the PIN"),
    QT_TRANSLATE_NOOP("Action", "finish a refund"), QT_TRANSLATE_NOOP("Action", "finish"),
    QT_TRANSLATE_NOOP("Action", "give a discount"), QT_TRANSLATE_NOOP("Action", "go back"),
    QT_TRANSLATE_NOOP("Action", "go to payment"), QT_TRANSLATE_NOOP("Action", "offer a reprint"),
    QT_TRANSLATE_NOOP("Action", "open the drawer"), QT_TRANSLATE_NOOP("Action", "print the receipt"),
    QT_TRANSLATE_NOOP("Action", "refund a sale"), QT_TRANSLATE_NOOP("Action", "refuse the step-up"),
    QT_TRANSLATE_NOOP("Action", "reprint"), QT_TRANSLATE_NOOP("Action", "save the sale"),
    QT_TRANSLATE_NOOP("Action", "scan a payment code"), QT_TRANSLATE_NOOP("Action", "show the shop's QR code"),
    QT_TRANSLATE_NOOP("Action", "skip the receipt"), QT_TRANSLATE_NOOP("Action", "start a sale"),
    QT_TRANSLATE_NOOP("Action", "take a card"), QT_TRANSLATE_NOOP("Action", "take cash"),
    QT_TRANSLATE_NOOP("Action", "take the next payment"), QT_TRANSLATE_NOOP("Action", "void a sale"),
    QT_TRANSLATE_NOOP("Action", "cancel"),
)
STEPS = (
    QT_TRANSLATE_NOOP("Step", "idle"), QT_TRANSLATE_NOOP("Step", "basket"),
    QT_TRANSLATE_NOOP("Step", "tender selection"), QT_TRANSLATE_NOOP("Step", "card"),
    QT_TRANSLATE_NOOP("Step", "customer qr"), QT_TRANSLATE_NOOP("Step", "merchant qr"),
    QT_TRANSLATE_NOOP("Step", "risk decision"), QT_TRANSLATE_NOOP("Step", "step up pin"),
    QT_TRANSLATE_NOOP("Step", "step up supervisor"), QT_TRANSLATE_NOOP("Step", "journal commit"),
    QT_TRANSLATE_NOOP("Step", "receipt print"), QT_TRANSLATE_NOOP("Step", "receipt failed"),
    QT_TRANSLATE_NOOP("Step", "drawer"),
)
_CJK_STOPS = ("。", "！", "？", "：", "；")


def word(code: str, params: Mapping[str, Any] | None = None, fallback: str = "") -> str:
    """The sentence for `code` with `params`, in the screen's language; `fallback` (the core's English) only for a
    code the catalogue does not know or a sentence whose params are missing."""
    text = CATALOGUE.get(code)
    params = dict(params or {})
    if text is None:
        log.warning("no wording for code %r; showing the core's English", code)
        return fallback or code
    values = {key: _value(key, value) for key, value in params.items() if key != "then"}
    for key, value in params.items():
        if key.endswith("_code"):
            values[key[:-5]] = word(str(value))
    try:
        said = QCoreApplication.translate("Code", text).format(**values)
    except (KeyError, IndexError):
        log.warning("wording of %r lacks a parameter (%s); showing the core's English", code, sorted(params))
        return fallback or code
    for then_code, then_params in params.get("then", ()):
        said = _join(said, word(then_code, then_params))
    return said


def word_outcome(outcome: Any) -> str:
    """What the banner or the receipt page says about a checkout outcome."""
    code = getattr(outcome, "code", "")
    return word(code, outcome.params, outcome.sentence) if code else outcome.sentence


def word_error(exc: BaseException) -> str:
    """What the banner says about a refusal from the core (a device error: its advice)."""
    code = getattr(exc, "code", None)
    if not isinstance(code, str) or not code:
        return str(exc)
    params = getattr(exc, "params", {})
    return word(code, params if isinstance(params, Mapping) else {}, str(exc))


def _value(key: str, value: Any) -> Any:
    if key.endswith("_role"):
        return role_names().get(str(value), str(value))
    if key == "kind_label":
        return tender_name(value)
    if key == "action":
        return QCoreApplication.translate("Action", str(value))
    if key == "step":
        return QCoreApplication.translate("Step", str(value))
    return value


def _join(first: str, then: str) -> str:
    """Sentences one after another: a space after an English full stop, none after a Chinese one."""
    return first + then if first.endswith(_CJK_STOPS) else f"{first} {then}"
