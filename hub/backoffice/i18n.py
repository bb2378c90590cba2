"""The back office's words in English and Chinese: templates and handlers use codes, never sentences.

A test keeps both languages complete. The language is the `lang` query parameter or cookie, else the browser's
Accept-Language (zh -> Chinese), else English.
"""

from __future__ import annotations

LANGUAGES = ("en", "zh")

WORDS: dict[str, tuple[str, str]] = {  # code -> (English, Chinese)
    "app": ("edgepos back office", "edgepos 商户后台"),
    "signin": ("Sign in", "登录"),
    "signout": ("Sign out", "退出"),
    "name": ("User name", "用户名"),
    "password": ("Password", "密码"),
    "bad_signin": ("Wrong name or password.", "用户名或密码错误。"),
    "locked": ("Too many failed sign-ins. Wait and try again.", "登录失败次数过多，请稍后再试。"),
    "csrf": ("The form expired or did not come from this site. Reload the page and try again.",
             "表单已过期或不是来自本站，请刷新页面后重试。"),
    "forbidden": ("Your role may not open this page.", "您的角色无权访问此页面。"),
    "not_found": ("Not found.", "未找到。"),
    "day": ("Day", "日报"),
    "today": ("Today", "今天"),
    "show": ("Show", "显示"),
    "sales_net": ("Net sales", "净销售额"),
    "sales_count": ("Sales", "笔数"),
    "by_tender": ("By tender", "按支付方式"),
    "by_terminal": ("By terminal", "按终端"),
    "by_hour": ("By hour", "按小时"),
    "no_sales": ("No sales booked on this day.", "当天没有销售记录。"),
    "terminals": ("Terminals", "终端"),
    "terminal": ("Terminal", "终端"),
    "enrolled": ("Enrolled", "注册时间"),
    "last_seen": ("Last seen", "最近联系"),
    "last_record": ("Last record", "最新记录"),
    "records": ("Records", "记录"),
    "declined": ("Declined", "拒绝"),
    "open_holds": ("Open holds", "未结预授权"),
    "health": ("Health", "健康状况"),
    "exceptions": ("Exceptions", "异常"),
    "kind": ("Kind", "类型"),
    "detail": ("Detail", "详情"),
    "time": ("Time", "时间"),
    "resolved_by": ("Resolved by", "处理人"),
    "resolve": ("Resolve", "处理"),
    "note": ("Note", "备注"),
    "open": ("open", "待处理"),
    "no_exceptions": ("No exceptions.", "没有异常。"),
    "reconcile": ("Reconciliation", "对账"),
    "orders_file": ("ERP orders (CSV)", "ERP 订单 (CSV)"),
    "payments_file": ("Payments (CSV; empty: the hub's own for the days below)",
                      "支付记录 (CSV；留空则使用下列日期的中心数据)"),
    "from": ("From", "从"),
    "to": ("To", "到"),
    "run": ("Reconcile", "开始对账"),
    "xlsx": ("Download as Excel", "下载 Excel"),
    "orders": ("Orders", "订单"),
    "payments": ("Payments", "支付"),
    "matched": ("Matched", "已匹配"),
    "flags": ("Flags", "差异"),
    "unreadable": ("Unreadable rows", "无法读取的行"),
    "line": ("Line", "行"),
    "confidence": ("Confidence", "置信度"),
    "bad_file": ("The file cannot be used", "文件无法使用"),
    "invoices": ("E-invoices", "电子发票"),
    "number": ("Number", "号码"),
    "buyer": ("Buyer", "购买方"),
    "tax_id": ("Tax id (unified social credit code)", "纳税人识别号 (统一社会信用代码)"),
    "email": ("E-mail (optional)", "电子邮箱 (选填)"),
    "total": ("Total", "合计"),
    "tax": ("Tax", "税额"),
    "download": ("Download PDF", "下载 PDF"),
    "resend": ("Send again", "重新发送"),
    "sent": ("Sent", "已发送"),
    "invoice": ("Invoice", "发票"),
    "credit_note": ("Credit note", "红字发票"),
    "no_invoices": ("No e-invoices yet.", "暂无电子发票。"),
    "request_invoice": ("Request an e-invoice", "申请电子发票"),
    "request": ("Issue the e-invoice", "开具发票"),
    "invoice_ready": ("Your e-invoice is ready.", "您的电子发票已开具。"),
    "sale": ("Sale", "销售单"),
    "bad_tax_id": ("The tax id is not a valid unified social credit code.", "纳税人识别号不是有效的统一社会信用代码。"),
    "bad_buyer_name": ("Give the buyer's name.", "请填写购买方名称。"),
    "bad_email": ("The e-mail address is not valid.", "电子邮箱地址无效。"),
    "unknown_sale": ("This sale is not at the hub yet (the till sends it when it syncs). Try again later.",
                     "该销售尚未上传到中心（收银机同步后即可），请稍后再试。"),
    "audit": ("Audit export", "审计导出"),
    "audit_help": ("A signed archive (records, postings, decisions, operator actions; SM3 manifest, SM2 "
                   "signature). Check it offline: edgepos audit verify ARCHIVE.",
                   "签名归档（记录、分录、决策、操作日志；SM3 清单，SM2 签名）。"
                   "离线校验：edgepos audit verify ARCHIVE。"),
    "export": ("Export", "导出"),
    "role": ("Role", "角色"),
    "upload_lag": ("Upload lag", "上传延迟"),
    "lines": ("Items", "商品"),
    # flag kinds, tender kinds and decline codes: shown in words, the code stays in the page's data
    "amount_mismatch": ("Amount differs", "金额不符"),
    "currency_mismatch": ("Currency differs", "币种不符"),
    "missing_payment": ("Order not paid", "订单未付款"),
    "unmatched_payment": ("Payment without order", "付款无对应订单"),
    "duplicate_payment": ("Paid twice", "重复付款"),
    "refund_without_payment": ("Refund without payment", "退款无原付款"),
    "cash": ("Cash", "现金"),
    "card_contact": ("Card (chip)", "银行卡 (插卡)"),
    "card_contactless": ("Card (contactless)", "银行卡 (闪付)"),
    "qr_customer": ("QR (customer)", "扫码 (顾客码)"),
    "qr_merchant": ("QR (shop)", "扫码 (商户码)"),
    "cbdc_wallet": ("Digital yuan", "数字人民币"),
    "blacklisted": ("Blacklisted card, approved offline", "离线批准的黑名单卡"),
    "language": ("中文", "English"),
}


def word(code: str, lang: str) -> str:
    pair = WORDS.get(code)
    if pair is None:
        return code
    return pair[1] if lang == "zh" else pair[0]


def choose(query: str | None, cookie: str | None, accept: str | None) -> str:
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate
    return "zh" if (accept or "").lower().startswith("zh") else "en"
