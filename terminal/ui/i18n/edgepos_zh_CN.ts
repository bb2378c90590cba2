<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ApprovePage</name>
    <message>
        <location filename="../pages/payment.py" line="359"/>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="369"/>
        <source>Open the drawer without a sale: supervisor approval</source>
        <translation>无交易开钱箱：需主管批准</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="370"/>
        <source>The drawer opens; nothing is sold or paid.</source>
        <translation>钱箱将打开；不销售、不收付任何款项。</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="381"/>
        <source>Checking the approval…</source>
        <translation>正在核对授权…</translation>
    </message>
</context>
<context>
    <name>ApproverEntry</name>
    <message>
        <location filename="../widgets.py" line="313"/>
        <source>Manager id, e.g. M-001</source>
        <translation>经理工号，例如 M-001</translation>
    </message>
    <message>
        <location filename="../widgets.py" line="314"/>
        <source>Supervisor id, e.g. S-001</source>
        <translation>主管工号，例如 S-001</translation>
    </message>
    <message>
        <location filename="../widgets.py" line="292"/>
        <source>PIN</source>
        <translation>密码</translation>
    </message>
</context>
<context>
    <name>CardPage</name>
    <message>
        <location filename="../pages/payment.py" line="149"/>
        <source>Ask the customer to tap the card or phone.</source>
        <translation>请顾客挥卡或手机贴近。</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="150"/>
        <source>Ask the customer to insert the card.</source>
        <translation>请顾客插卡。</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="155"/>
        <source>Customer&apos;s PIN on the PIN pad (demo)</source>
        <translation>顾客在密码键盘上输入的密码（演示）</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="165"/>
        <source>Demo: the customer hands over one of these cards</source>
        <translation>演示：顾客递上以下一张卡</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="169"/>
        <source>Read the card</source>
        <translation>读卡</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="172"/>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="181"/>
        <source>Amount {0}</source>
        <translation>金额 {0}</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="200"/>
        <source>Reading the card and asking the bank…</source>
        <translation>正在读卡并向银行请求授权…</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="204"/>
        <source>This card needs its PIN. Ask the customer to type the PIN on the PIN pad, then present the card again.</source>
        <translation>此卡需要密码。请顾客在密码键盘上输入密码，然后再次出示银行卡。</translation>
    </message>
</context>
<context>
    <name>CashPage</name>
    <message>
        <location filename="../pages/payment.py" line="99"/>
        <source>Cash handed over</source>
        <translation>顾客付现金额</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="105"/>
        <source>Type what the customer handed over, or tap a note. Enter takes it.</source>
        <translation>输入顾客所付金额，或点选面额。回车确认。</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="108"/>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="119"/>
        <source>Cash due {0}</source>
        <translation>应收现金 {0}</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="122"/>
        <source>Exact</source>
        <translation>正好</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="137"/>
        <source>Saving the payment…</source>
        <translation>正在保存付款…</translation>
    </message>
</context>
<context>
    <name>CashierWindow</name>
    <message>
        <location filename="../main_window.py" line="122"/>
        <source>Hello {0}.</source>
        <translation>您好，{0}。</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="128"/>
        <source>Finish or cancel the sale before logging out.</source>
        <translation>请先完成或取消当前交易再退出登录。</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="174"/>
        <source>Something went wrong ({0}). Nothing was paid twice; call a technician if it happens again.</source>
        <translation>出现错误（{0}）。没有重复扣款；如再次发生请联系技术人员。</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="216"/>
        <source>Sync state unknown: {0}</source>
        <translation>同步状态未知：{0}</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="219"/>
        <source>● Online · {0} to send</source>
        <translation>● 在线 · {0} 条待发送</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="221"/>
        <source>○ Offline · {0} waiting to send</source>
        <translation>○ 离线 · {0} 条待发送</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="231"/>
        <source>Devices ok ({0})</source>
        <translation>设备正常（{0}）</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="232"/>
        <source>Check: {0}</source>
        <translation>请检查：{0}</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="236"/>
        <source>Logged out</source>
        <translation>未登录</translation>
    </message>
</context>
<context>
    <name>CustomerQrPage</name>
    <message>
        <location filename="../pages/payment.py" line="226"/>
        <source>Scan the code on the customer&apos;s phone</source>
        <translation>扫描顾客手机上的付款码</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="230"/>
        <source>Scan the payment code on the customer&apos;s phone.</source>
        <translation>请扫描顾客手机上的付款码。</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="234"/>
        <source>Demo: customer shows a payment code</source>
        <translation>演示：顾客出示付款码</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="237"/>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="245"/>
        <source>Amount {0}</source>
        <translation>金额 {0}</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="256"/>
        <source>Asking the wallet…</source>
        <translation>正在向钱包请求付款…</translation>
    </message>
</context>
<context>
    <name>DiscountPage</name>
    <message>
        <location filename="../pages/discount.py" line="25"/>
        <source>Discount %</source>
        <translation>折扣 %</translation>
    </message>
    <message>
        <location filename="../pages/discount.py" line="30"/>
        <source>No discount</source>
        <translation>不打折</translation>
    </message>
    <message>
        <location filename="../pages/discount.py" line="38"/>
        <source>A supervisor approves: tap your name, then your PIN.</source>
        <translation>由主管批准：点您的名字，再输入 PIN。</translation>
    </message>
    <message>
        <location filename="../pages/discount.py" line="40"/>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <location filename="../pages/discount.py" line="53"/>
        <source>Discount on {0} ({1} × {2})</source>
        <translation>{0} 的折扣（{1} × {2}）</translation>
    </message>
    <message>
        <location filename="../pages/discount.py" line="67"/>
        <source>Enter the discount as a percentage, e.g. 10.</source>
        <translation>请输入折扣百分比，例如 10。</translation>
    </message>
    <message>
        <location filename="../pages/discount.py" line="76"/>
        <source>Checking the approval…</source>
        <translation>正在核对授权…</translation>
    </message>
</context>
<context>
    <name>Keypad</name>
    <message>
        <location filename="../widgets.py" line="192"/>
        <source>OK</source>
        <translation>确定</translation>
    </message>
</context>
<context>
    <name>LoginPage</name>
    <message>
        <location filename="../pages/login.py" line="21"/>
        <source>Or type your id</source>
        <translation>或输入您的工号</translation>
    </message>
    <message>
        <location filename="../pages/login.py" line="28"/>
        <source>PIN</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../pages/login.py" line="32"/>
        <source>Who is at the till?</source>
        <translation>谁在收银？</translation>
    </message>
    <message>
        <location filename="../pages/login.py" line="37"/>
        <source>Enter your PIN</source>
        <translation>请输入您的密码</translation>
    </message>
    <message>
        <location filename="../pages/login.py" line="54"/>
        <source>Checking the PIN…</source>
        <translation>正在核对密码…</translation>
    </message>
</context>
<context>
    <name>MerchantQrPage</name>
    <message>
        <location filename="../pages/payment.py" line="275"/>
        <source>Demo: customer paid in the wallet</source>
        <translation>演示：顾客已在钱包中付款</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="277"/>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="294"/>
        <source>Checking the payment…</source>
        <translation>正在确认付款…</translation>
    </message>
</context>
<context>
    <name>Reason</name>
    <message>
        <location filename="../sentences.py" line="17"/>
        <source>blacklisted</source>
        <translation>此卡或钱包已被冻结。请顾客换一种付款方式。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="17"/>
        <source>currency_not_accepted</source>
        <translation>本终端不收此币种。请顾客用本币付款。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="18"/>
        <source>no_fx_rate</source>
        <translation>此币种暂无汇率。请收本币或联网后再试。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="18"/>
        <source>over_sale_limit</source>
        <translation>金额超过本终端限额。请拆分交易或请主管处理。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="19"/>
        <source>aml_limit</source>
        <translation>大额外币交易需主管核验身份后才能付款。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="19"/>
        <source>offline_sale_limit</source>
        <translation>当前离线，此金额过高。请收现金或降低金额。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="20"/>
        <source>offline_total_limit</source>
        <translation>当前离线，离线额度已用完。请收现金。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="20"/>
        <source>offline_too_long</source>
        <translation>离线时间过长，暂不能刷卡。网络恢复前请收现金。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="21"/>
        <source>velocity_hour</source>
        <translation>此卡一小时内使用次数过多。请顾客换一种付款方式。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="21"/>
        <source>velocity_day</source>
        <translation>此卡今天使用非常频繁。请主管确认。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="22"/>
        <source>key_entered</source>
        <translation>此卡未通过芯片或挥卡读取。请顾客输入密码。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="22"/>
        <source>amount_pin</source>
        <translation>金额较大：请顾客输入密码。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="23"/>
        <source>amount_supervisor</source>
        <translation>金额很大：须由主管确认此笔交易。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="23"/>
        <source>risk_pin</source>
        <translation>此卡交易异常。请顾客输入密码。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="24"/>
        <source>risk_supervisor</source>
        <translation>此笔付款存在风险。请主管核验身份。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="24"/>
        <source>risk_decline</source>
        <translation>此笔付款疑似欺诈。请拒绝并请顾客换一种付款方式。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="25"/>
        <source>card_expired</source>
        <translation>此卡已过期。请顾客换一张卡或其他付款方式。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="25"/>
        <source>card_blacklisted</source>
        <translation>此卡已被冻结。请顾客换一种付款方式。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="26"/>
        <source>card_cvm_failed</source>
        <translation>密码未通过验证。请顾客重试或换一种付款方式。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="26"/>
        <source>card_declined</source>
        <translation>卡片拒绝了此笔付款。请顾客换一张卡或其他付款方式。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="27"/>
        <source>hub_declined</source>
        <translation>银行拒绝了此笔付款。请顾客换一种付款方式。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="27"/>
        <source>qr_needs_network</source>
        <translation>扫码付款需要网络，当前已断网。请收现金或刷卡。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="28"/>
        <source>step_up_pin_refused</source>
        <translation>密码错误或未输入。请顾客换一种付款方式。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="28"/>
        <source>step_up_supervisor_refused</source>
        <translation>主管未批准此笔付款。请顾客换一种付款方式。</translation>
    </message>
</context>
<context>
    <name>ReceiptPage</name>
    <message>
        <location filename="../pages/receipt.py" line="31"/>
        <source>Reprint</source>
        <translation>重打小票</translation>
    </message>
    <message>
        <location filename="../pages/receipt.py" line="32"/>
        <source>No receipt</source>
        <translation>不打印小票</translation>
    </message>
    <message>
        <location filename="../pages/receipt.py" line="33"/>
        <source>Next customer</source>
        <translation>下一位顾客</translation>
    </message>
    <message>
        <location filename="../pages/receipt.py" line="61"/>
        <source>No receipt printed yet.</source>
        <translation>尚未打印小票。</translation>
    </message>
    <message>
        <location filename="../pages/receipt.py" line="89"/>
        <source>Printing…</source>
        <translation>正在打印…</translation>
    </message>
</context>
<context>
    <name>RefundPage</name>
    <message>
        <location filename="../pages/refund.py" line="36"/>
        <source>Scan receipt QR or sale no.</source>
        <translation>扫小票二维码或输入交易号</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="41"/>
        <source>Sale total</source>
        <translation>交易金额</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="44"/>
        <source>Card last 4</source>
        <translation>卡号后四位</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="49"/>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="49"/>
        <source>Last 7 days</source>
        <translation>最近 7 天</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="49"/>
        <source>Last 90 days</source>
        <translation>最近 90 天</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="59"/>
        <source>Item</source>
        <translation>商品</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="59"/>
        <source>Sold</source>
        <translation>已售</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="59"/>
        <source>Can return</source>
        <translation>可退</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="60"/>
        <source>Return</source>
        <translation>退回</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="72"/>
        <source>Customer returned the goods</source>
        <translation>顾客退货</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="72"/>
        <source>Damaged or faulty</source>
        <translation>商品损坏或故障</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="72"/>
        <source>Wrong price</source>
        <translation>价格错误</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="73"/>
        <source>Charged twice</source>
        <translation>重复扣款</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="79"/>
        <source>Search</source>
        <translation>查找</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="81"/>
        <source>Find the original sale</source>
        <translation>查找原交易</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="85"/>
        <source>Back to selling</source>
        <translation>返回收银</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="90"/>
        <source>Everything</source>
        <translation>全部</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="92"/>
        <source>Refund…</source>
        <translation>退款…</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="93"/>
        <source>Void the whole sale…</source>
        <translation>作废整笔交易…</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="138"/>
        <source>No sale with that number on this till. Search by amount or card instead.</source>
        <translation>本机没有该编号的交易。请按金额或卡号查找。</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="143"/>
        <source>Looking up the sale…</source>
        <translation>正在查找交易…</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="167"/>
        <source> · part refunded</source>
        <translation> · 部分退款</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="167"/>
        <source> · refunded</source>
        <translation> · 已退款</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="168"/>
        <source> · voided</source>
        <translation> · 已作废</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="173"/>
        <source>No sales match. Widen the search.</source>
        <translation>没有匹配的交易。请放宽查找条件。</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="187"/>
        <source>Scan a receipt or pick a sale.</source>
        <translation>请扫描小票或选择一笔交易。</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="191"/>
        <source>Sale of {0}: {1} ({2})</source>
        <translation>{0} 的交易：{1}（{2}）</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="227"/>
        <source>Choose what the customer returns (− / + or Everything).</source>
        <translation>选择顾客退回的商品（− / + 或 全部）。</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="236"/>
        <source>Pay back {0} to: {1}</source>
        <translation>退还 {0} 至：{1}</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="241"/>
        <source>Choose what the customer returns first.</source>
        <translation>请先选择顾客退回的商品。</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="249"/>
        <source>Refund: a supervisor approves</source>
        <translation>退款：需主管批准</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="250"/>
        <source>Pay back {0} for {1} of the sale of {2}.</source>
        <translation>退还 {0}（{1}，原交易 {2}）。</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="251"/>
        <source>1 item</source>
        <translation>1 件</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="251"/>
        <source>{0} items</source>
        <translation>{0} 件</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="260"/>
        <source>Void the whole sale: a supervisor approves</source>
        <translation>作废整笔交易：需主管批准</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="261"/>
        <source>The whole sale of {0} is voided and paid back.</source>
        <translation>整笔交易 {0} 作废并全额退还。</translation>
    </message>
</context>
<context>
    <name>Role</name>
    <message>
        <location filename="../widgets.py" line="82"/>
        <source>cashier</source>
        <translation>收银员</translation>
    </message>
    <message>
        <location filename="../widgets.py" line="83"/>
        <source>supervisor</source>
        <translation>主管</translation>
    </message>
    <message>
        <location filename="../widgets.py" line="84"/>
        <source>manager</source>
        <translation>经理</translation>
    </message>
    <message>
        <location filename="../widgets.py" line="85"/>
        <source>technician</source>
        <translation>技术员</translation>
    </message>
</context>
<context>
    <name>SalePage</name>
    <message>
        <location filename="../pages/sale.py" line="47"/>
        <source>Scan a barcode or type a name</source>
        <translation>扫条码或输入商品名</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="53"/>
        <source>Item</source>
        <translation>商品</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="53"/>
        <source>Qty</source>
        <translation>数量</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="53"/>
        <source>Price</source>
        <translation>单价</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="53"/>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="68"/>
        <source>12*code + Enter: twelve of an item</source>
        <translation>12*条码 + 回车：一次加 12 件</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="70"/>
        <source>Pay</source>
        <translation>付款</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="74"/>
        <source>Discount…</source>
        <translation>折扣…</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="75"/>
        <source>Remove  [Del]</source>
        <translation>删除  [Del]</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="76"/>
        <source>Cancel sale</source>
        <translation>取消交易</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="79"/>
        <source>Refund / void</source>
        <translation>退款 / 作废</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="80"/>
        <source>Shift &amp;&amp; reports</source>
        <translation>班次与报表</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="81"/>
        <source>No sale</source>
        <translation>开钱箱</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="82"/>
        <source>Log out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="152"/>
        <location filename="../pages/sale.py" line="157"/>
        <source>Total {0}</source>
        <translation>合计 {0}</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="154"/>
        <source>1 item · tax {0}</source>
        <translation>1 件 · 税额 {0}</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="155"/>
        <source>{0} items · tax {1}</source>
        <translation>{0} 件 · 税额 {1}</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="158"/>
        <source>Scan an item to start a sale.</source>
        <translation>扫描商品开始交易。</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="195"/>
        <source>Nothing matches. Scan the barcode or pick from the grid.</source>
        <translation>没有匹配的商品。请扫条码或在商品格中选择。</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="197"/>
        <source>Found: {0}</source>
        <translation>找到：{0}</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="226"/>
        <source>{0} items match: tap one, or type more of the name.</source>
        <translation>有 {0} 件商品匹配：点选一件，或多输入几个字。</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="229"/>
        <source>Nothing matches “{0}”. Scan the barcode or pick from the grid.</source>
        <translation>没有与“{0}”匹配的商品。请扫描条码或在商品栏中选择。</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="244"/>
        <source>That is the last item: press − again to empty the basket.</source>
        <translation>这是最后一件商品：再按一次 − 将清空购物篮。</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="257"/>
        <source>That is the last item: tap Remove again to empty the basket.</source>
        <translation>这是最后一件商品：再点一次“删除”将清空购物篮。</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="262"/>
        <source>Pricing the sale…</source>
        <translation>正在结算…</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="266"/>
        <source>Tap Cancel sale again to cancel the whole sale.</source>
        <translation>再点一次“取消交易”将取消整笔交易。</translation>
    </message>
    <message>
        <location filename="../pages/sale.py" line="267"/>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
</context>
<context>
    <name>Sentence</name>
    <message>
        <location filename="../sentences.py" line="45"/>
        <source>Paid {0}. Give {1} change.</source>
        <translation>已付 {0}。请找零 {1}。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="46"/>
        <source>Paid {0}.</source>
        <translation>已付 {0}。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="48"/>
        <source>Approved. {0} still to pay.</source>
        <translation>已批准。还需支付 {0}。</translation>
    </message>
    <message>
        <location filename="../sentences.py" line="50"/>
        <source>Total {0}. Choose how to pay.</source>
        <translation>合计 {0}。请选择付款方式。</translation>
    </message>
</context>
<context>
    <name>ShiftPage</name>
    <message>
        <location filename="../pages/shift.py" line="33"/>
        <source>Open shift</source>
        <translation>开班</translation>
    </message>
    <message>
        <location filename="../pages/shift.py" line="34"/>
        <source>X report</source>
        <translation>X 报表</translation>
    </message>
    <message>
        <location filename="../pages/shift.py" line="35"/>
        <source>Close shift (Z report)…</source>
        <translation>交班（Z 报表）…</translation>
    </message>
    <message>
        <location filename="../pages/shift.py" line="36"/>
        <source>Print</source>
        <translation>打印</translation>
    </message>
    <message>
        <location filename="../pages/shift.py" line="37"/>
        <source>Send to the hub now</source>
        <translation>立即上传至中心</translation>
    </message>
    <message>
        <location filename="../pages/shift.py" line="44"/>
        <source>Back to selling</source>
        <translation>返回收银</translation>
    </message>
    <message>
        <location filename="../pages/shift.py" line="88"/>
        <source>No shift is open. Count the cash float in the drawer and open the shift.</source>
        <translation>尚未开班。请清点钱箱备用金并开班。</translation>
    </message>
    <message>
        <location filename="../pages/shift.py" line="92"/>
        <source>Shift Z{0} open since {1} ({2}).</source>
        <translation>班次 Z{0} 自 {1} 开始（{2}）。</translation>
    </message>
    <message>
        <location filename="../pages/shift.py" line="89"/>
        <source>Cash float ({0})</source>
        <translation>备用金（{0}）</translation>
    </message>
    <message>
        <location filename="../pages/shift.py" line="94"/>
        <source>Counted cash ({0})</source>
        <translation>清点现金（{0}）</translation>
    </message>
    <message>
        <location filename="../pages/shift.py" line="116"/>
        <source>Opening the shift…</source>
        <translation>正在开班…</translation>
    </message>
    <message>
        <location filename="../pages/shift.py" line="120"/>
        <source>Shift open. Good selling!</source>
        <translation>已开班，祝生意兴隆！</translation>
    </message>
    <message>
        <location filename="../pages/shift.py" line="125"/>
        <source>Adding up the shift…</source>
        <translation>正在汇总本班…</translation>
    </message>
    <message>
        <location filename="../pages/shift.py" line="129"/>
        <source>Finish or cancel the open sale before closing the shift.</source>
        <translation>交班前请先完成或取消当前交易。</translation>
    </message>
    <message>
        <location filename="../pages/shift.py" line="135"/>
        <source>Count the cash in the drawer and enter it before closing.</source>
        <translation>交班前请清点钱箱现金并输入金额。</translation>
    </message>
    <message>
        <location filename="../pages/shift.py" line="143"/>
        <source>Counted {0}, expected {1}: {2}</source>
        <translation>清点 {0}，应有 {1}：{2}</translation>
    </message>
    <message>
        <location filename="../pages/shift.py" line="145"/>
        <source>Close the shift: a manager approves</source>
        <translation>交班：需经理批准</translation>
    </message>
    <message>
        <location filename="../pages/shift.py" line="152"/>
        <source>no difference</source>
        <translation>无差额</translation>
    </message>
    <message>
        <location filename="../pages/shift.py" line="153"/>
        <source>{0} over</source>
        <translation>长款 {0}</translation>
    </message>
    <message>
        <location filename="../pages/shift.py" line="153"/>
        <source>{0} short</source>
        <translation>短款 {0}</translation>
    </message>
    <message>
        <location filename="../pages/shift.py" line="167"/>
        <source>Printing the report…</source>
        <translation>正在打印报表…</translation>
    </message>
    <message>
        <location filename="../pages/shift.py" line="168"/>
        <source>{0} report {1} printed.</source>
        <translation>{0} 报表 {1} 已打印。</translation>
    </message>
    <message>
        <location filename="../pages/shift.py" line="173"/>
        <source>Sending to the hub…</source>
        <translation>正在上传至中心…</translation>
    </message>
    <message>
        <location filename="../pages/shift.py" line="177"/>
        <source>Sent {0} records; {1} still waiting.</source>
        <translation>已上传 {0} 条记录；还有 {1} 条待发送。</translation>
    </message>
    <message>
        <location filename="../pages/shift.py" line="179"/>
        <source>The hub could not be reached; {0} records wait and are sent automatically later.</source>
        <translation>无法连接中心；{0} 条记录待发送，稍后将自动上传。</translation>
    </message>
</context>
<context>
    <name>Startup</name>
    <message>
        <location filename="../app.py" line="161"/>
        <source>Starting the hub…</source>
        <translation>正在启动中心服务…</translation>
    </message>
    <message>
        <location filename="../app.py" line="162"/>
        <source>Enrolling the till with the hub…</source>
        <translation>正在向中心服务登记本收银台…</translation>
    </message>
    <message>
        <location filename="../app.py" line="163"/>
        <source>First sync with the hub…</source>
        <translation>正在与中心服务首次同步…</translation>
    </message>
    <message>
        <location filename="../app.py" line="164"/>
        <source>Starting the card reader…</source>
        <translation>正在启动读卡器…</translation>
    </message>
    <message>
        <location filename="../app.py" line="165"/>
        <source>Starting the printer…</source>
        <translation>正在启动打印机…</translation>
    </message>
    <message>
        <location filename="../app.py" line="184"/>
        <source>Not started: {0}</source>
        <translation>未能启动：{0}</translation>
    </message>
</context>
<context>
    <name>StepUpPage</name>
    <message>
        <location filename="../pages/payment.py" line="317"/>
        <source>Refuse: pay another way</source>
        <translation>拒绝：改用其他方式付款</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="326"/>
        <source>Ask the customer to enter the card PIN.</source>
        <translation>请顾客输入银行卡密码。</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="327"/>
        <source>A supervisor must approve this payment.</source>
        <translation>此笔付款需要主管批准。</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="330"/>
        <source>To pay {0}</source>
        <translation>应付 {0}</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="335"/>
        <source>The card checks the PIN…</source>
        <translation>卡片正在核对密码…</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="337"/>
        <source>Checking the approval…</source>
        <translation>正在核对授权…</translation>
    </message>
</context>
<context>
    <name>Tender</name>
    <message>
        <location filename="../widgets.py" line="91"/>
        <source>Cash</source>
        <translation>现金</translation>
    </message>
    <message>
        <location filename="../widgets.py" line="91"/>
        <source>Card</source>
        <translation>银行卡</translation>
    </message>
    <message>
        <location filename="../widgets.py" line="92"/>
        <source>Card contactless</source>
        <translation>银行卡（非接）</translation>
    </message>
    <message>
        <location filename="../widgets.py" line="93"/>
        <source>QR payment</source>
        <translation>扫码支付</translation>
    </message>
    <message>
        <location filename="../widgets.py" line="94"/>
        <source>Digital currency</source>
        <translation>数字人民币</translation>
    </message>
</context>
<context>
    <name>TenderPage</name>
    <message>
        <location filename="../pages/payment.py" line="30"/>
        <source>Amount to pay now (empty: all that is due)</source>
        <translation>本次支付金额（留空：支付全部应付）</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="33"/>
        <source>Cash</source>
        <translation>现金</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="34"/>
        <source>Card (insert)</source>
        <translation>刷卡（插卡）</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="35"/>
        <source>Card (tap)</source>
        <translation>刷卡（挥卡）</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="36"/>
        <source>Scan customer&apos;s QR</source>
        <translation>扫顾客付款码</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="37"/>
        <source>Show shop QR</source>
        <translation>出示收款码</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="42"/>
        <source>Back to basket</source>
        <translation>返回购物篮</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="43"/>
        <source>Cancel sale</source>
        <translation>取消交易</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="59"/>
        <source>To pay {0}</source>
        <translation>应付 {0}</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="61"/>
        <source>Total {0}. Paid so far: {1}</source>
        <translation>合计 {0}。已付：{1}</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="62"/>
        <source>Total {0}</source>
        <translation>合计 {0}</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="83"/>
        <source>Making the QR code…</source>
        <translation>正在生成二维码…</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="89"/>
        <source>Tap Cancel sale again to cancel the whole sale.</source>
        <translation>再点一次“取消交易”将取消整笔交易。</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="90"/>
        <source>Cancelling the sale…</source>
        <translation>正在取消交易…</translation>
    </message>
</context>
<context>
    <name>TouchNumbers</name>
    <message>
        <location filename="../widgets.py" line="254"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
</context>
</TS>
