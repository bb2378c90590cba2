<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>Action</name>
    <message>
        <location filename="../wording.py" line="521"/>
        <source>take digital currency</source>
        <translation>收数字人民币</translation>
    </message>
    <message>
        <location filename="../wording.py" line="521"/>
        <source>take a hard wallet</source>
        <translation>收硬钱包</translation>
    </message>
    <message>
        <location filename="../wording.py" line="522"/>
        <source>show the digital-currency QR</source>
        <translation>出示数字人民币收款码</translation>
    </message>
    <message>
        <location filename="../wording.py" line="523"/>
        <source>wait for the digital-currency payment</source>
        <translation>等待数字人民币付款</translation>
    </message>
    <message>
        <location filename="../wording.py" line="524"/>
        <source>add items</source>
        <translation>添加商品</translation>
    </message>
    <message>
        <location filename="../wording.py" line="524"/>
        <source>approve as supervisor</source>
        <translation>由主管批准</translation>
    </message>
    <message>
        <location filename="../wording.py" line="525"/>
        <source>ask for a step-up</source>
        <translation>要求加强验证</translation>
    </message>
    <message>
        <location filename="../wording.py" line="525"/>
        <source>change a price</source>
        <translation>改价</translation>
    </message>
    <message>
        <location filename="../wording.py" line="526"/>
        <source>commit the sale</source>
        <translation>保存交易</translation>
    </message>
    <message>
        <location filename="../wording.py" line="526"/>
        <source>confirm the QR payment</source>
        <translation>确认扫码付款</translation>
    </message>
    <message>
        <location filename="../wording.py" line="527"/>
        <source>decide</source>
        <translation>做出决定</translation>
    </message>
    <message>
        <location filename="../wording.py" line="527"/>
        <source>enter the PIN</source>
        <translation>输入密码</translation>
    </message>
    <message>
        <location filename="../wording.py" line="528"/>
        <source>finish a refund</source>
        <translation>完成退款</translation>
    </message>
    <message>
        <location filename="../wording.py" line="528"/>
        <source>finish</source>
        <translation>结束交易</translation>
    </message>
    <message>
        <location filename="../wording.py" line="529"/>
        <source>give a discount</source>
        <translation>给折扣</translation>
    </message>
    <message>
        <location filename="../wording.py" line="529"/>
        <source>go back</source>
        <translation>返回</translation>
    </message>
    <message>
        <location filename="../wording.py" line="530"/>
        <source>go to payment</source>
        <translation>去付款</translation>
    </message>
    <message>
        <location filename="../wording.py" line="530"/>
        <source>offer a reprint</source>
        <translation>提供重新打印</translation>
    </message>
    <message>
        <location filename="../wording.py" line="531"/>
        <source>open the drawer</source>
        <translation>打开钱箱</translation>
    </message>
    <message>
        <location filename="../wording.py" line="531"/>
        <source>print the receipt</source>
        <translation>打印小票</translation>
    </message>
    <message>
        <location filename="../wording.py" line="532"/>
        <source>refund a sale</source>
        <translation>退款</translation>
    </message>
    <message>
        <location filename="../wording.py" line="532"/>
        <source>refuse the step-up</source>
        <translation>拒绝加强验证</translation>
    </message>
    <message>
        <location filename="../wording.py" line="533"/>
        <source>reprint</source>
        <translation>重新打印</translation>
    </message>
    <message>
        <location filename="../wording.py" line="533"/>
        <source>save the sale</source>
        <translation>保存交易</translation>
    </message>
    <message>
        <location filename="../wording.py" line="534"/>
        <source>scan a payment code</source>
        <translation>扫描付款码</translation>
    </message>
    <message>
        <location filename="../wording.py" line="534"/>
        <source>show the shop&apos;s QR code</source>
        <translation>显示商户收款码</translation>
    </message>
    <message>
        <location filename="../wording.py" line="535"/>
        <source>skip the receipt</source>
        <translation>跳过小票</translation>
    </message>
    <message>
        <location filename="../wording.py" line="535"/>
        <source>start a sale</source>
        <translation>开始交易</translation>
    </message>
    <message>
        <location filename="../wording.py" line="536"/>
        <source>take a card</source>
        <translation>刷卡收款</translation>
    </message>
    <message>
        <location filename="../wording.py" line="536"/>
        <source>take cash</source>
        <translation>收现金</translation>
    </message>
    <message>
        <location filename="../wording.py" line="537"/>
        <source>take the next payment</source>
        <translation>收下一笔付款</translation>
    </message>
    <message>
        <location filename="../wording.py" line="537"/>
        <source>void a sale</source>
        <translation>作废交易</translation>
    </message>
    <message>
        <location filename="../wording.py" line="538"/>
        <source>cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>ApprovePage</name>
    <message>
        <location filename="../pages/payment.py" line="360"/>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="370"/>
        <source>Open the drawer without a sale: supervisor approval</source>
        <translation>无交易开钱箱：需主管批准</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="371"/>
        <source>The drawer opens; nothing is sold or paid.</source>
        <translation>钱箱将打开；不销售、不收付任何款项。</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="382"/>
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
        <location filename="../pages/payment.py" line="150"/>
        <source>Ask the customer to tap the card or phone.</source>
        <translation>请顾客挥卡或手机贴近。</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="151"/>
        <source>Ask the customer to insert the card.</source>
        <translation>请顾客插卡。</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="156"/>
        <source>Customer&apos;s PIN on the PIN pad (demo)</source>
        <translation>顾客在密码键盘上输入的密码（演示）</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="166"/>
        <source>Demo: the customer hands over one of these cards</source>
        <translation>演示：顾客递上以下一张卡</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="170"/>
        <source>Read the card</source>
        <translation>读卡</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="173"/>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="182"/>
        <source>Amount {0}</source>
        <translation>金额 {0}</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="201"/>
        <source>Reading the card and asking the bank…</source>
        <translation>正在读卡并向银行请求授权…</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="205"/>
        <source>This card needs its PIN. Ask the customer to type the PIN on the PIN pad, then present the card again.</source>
        <translation>此卡需要密码。请顾客在密码键盘上输入密码，然后再次出示银行卡。</translation>
    </message>
</context>
<context>
    <name>CashPage</name>
    <message>
        <location filename="../pages/payment.py" line="100"/>
        <source>Cash handed over</source>
        <translation>顾客付现金额</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="106"/>
        <source>Type what the customer handed over, or tap a note. Enter takes it.</source>
        <translation>输入顾客所付金额，或点选面额。回车确认。</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="109"/>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="120"/>
        <source>Cash due {0}</source>
        <translation>应收现金 {0}</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="123"/>
        <source>Exact</source>
        <translation>正好</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="138"/>
        <source>Saving the payment…</source>
        <translation>正在保存付款…</translation>
    </message>
</context>
<context>
    <name>CashierWindow</name>
    <message>
        <location filename="../main_window.py" line="125"/>
        <source>Hello {0}.</source>
        <translation>您好，{0}。</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="131"/>
        <source>Finish or cancel the sale before logging out.</source>
        <translation>请先完成或取消当前交易再退出登录。</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="175"/>
        <source>Something went wrong ({0}). Nothing was paid twice; call a technician if it happens again.</source>
        <translation>出现错误（{0}）。没有重复扣款；如再次发生请联系技术人员。</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="217"/>
        <source>Sync state unknown: {0}</source>
        <translation>同步状态未知：{0}</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="220"/>
        <source>● Online · {0} to send</source>
        <translation>● 在线 · {0} 条待发送</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="222"/>
        <source>○ Offline · {0} waiting to send</source>
        <translation>○ 离线 · {0} 条待发送</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="227"/>
        <source>{0} digital-currency payments waiting to settle</source>
        <translation>{0} 笔数字人民币待结算</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="236"/>
        <source>Devices ok ({0})</source>
        <translation>设备正常（{0}）</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="237"/>
        <source>Check: {0}</source>
        <translation>请检查：{0}</translation>
    </message>
    <message>
        <location filename="../main_window.py" line="243"/>
        <source>Logged out</source>
        <translation>未登录</translation>
    </message>
</context>
<context>
    <name>CbdcPage</name>
    <message>
        <location filename="../pages/cbdc.py" line="30"/>
        <source>Scan the digital-currency code on the customer&apos;s phone</source>
        <translation>扫描顾客手机上的数字人民币付款码</translation>
    </message>
    <message>
        <location filename="../pages/cbdc.py" line="36"/>
        <source>Show shop QR</source>
        <translation>出示收款码</translation>
    </message>
    <message>
        <location filename="../pages/cbdc.py" line="38"/>
        <source>Hard wallet (insert)</source>
        <translation>硬钱包（插卡）</translation>
    </message>
    <message>
        <location filename="../pages/cbdc.py" line="40"/>
        <source>Hard wallet (tap)</source>
        <translation>硬钱包（碰一碰）</translation>
    </message>
    <message>
        <location filename="../pages/cbdc.py" line="43"/>
        <source>Digital RMB: scan the wallet&apos;s code, show the shop QR, or take the hard wallet.</source>
        <translation>数字人民币：扫描钱包付款码、出示收款码，或使用硬钱包。</translation>
    </message>
    <message>
        <location filename="../pages/cbdc.py" line="50"/>
        <source>Demo: customer shows a wallet code</source>
        <translation>演示：顾客出示钱包付款码</translation>
    </message>
    <message>
        <location filename="../pages/cbdc.py" line="52"/>
        <source>Demo: customer pays the shop QR</source>
        <translation>演示：顾客扫收款码付款</translation>
    </message>
    <message>
        <location filename="../pages/cbdc.py" line="54"/>
        <source>Demo: customer holds out the hard wallet</source>
        <translation>演示：顾客出示硬钱包</translation>
    </message>
    <message>
        <location filename="../pages/cbdc.py" line="58"/>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <location filename="../pages/cbdc.py" line="72"/>
        <source>Amount {0}</source>
        <translation>金额 {0}</translation>
    </message>
    <message>
        <location filename="../pages/cbdc.py" line="81"/>
        <source>Asking the wallet&apos;s bank…</source>
        <translation>正在向钱包运营机构确认…</translation>
    </message>
    <message>
        <location filename="../pages/cbdc.py" line="85"/>
        <source>Making the QR code…</source>
        <translation>正在生成二维码…</translation>
    </message>
    <message>
        <location filename="../pages/cbdc.py" line="119"/>
        <source>Hold the hard wallet to the reader…</source>
        <translation>请将硬钱包贴近读卡器…</translation>
    </message>
</context>
<context>
    <name>Code</name>
    <message>
        <location filename="../wording.py" line="28"/>
        <source>The digital-currency payment goes back to the customer&apos;s wallet.</source>
        <translation>数字人民币付款将退回顾客钱包。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="30"/>
        <source>The digital-currency refund needs the network. Finish the refund from the sale when it is back.</source>
        <translation>数字人民币退款需要网络。网络恢复后请在该笔交易中完成退款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="32"/>
        <source>Online digital currency needs the network, which is down. Ask the customer to tap their hard wallet, or take another way to pay.</source>
        <translation>在线数字人民币需要网络，目前网络中断。请顾客使用硬钱包碰一碰，或换其他方式付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="34"/>
        <source>This is not a digital-currency payment code. Ask the customer to open it again.</source>
        <translation>这不是数字人民币付款码。请顾客重新打开付款码。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="36"/>
        <source>That is not a valid digital-currency payment code. Ask the customer to open it again.</source>
        <translation>该数字人民币付款码无效。请顾客重新打开付款码。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="38"/>
        <source>That is over this wallet&apos;s limit per payment ({limit}). Ask for a smaller amount or another way to pay.</source>
        <translation>超过该钱包单笔支付限额（{limit}）。请减少金额或换其他方式付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="40"/>
        <source>That is over this wallet&apos;s limit for today ({limit}). Ask for another way to pay.</source>
        <translation>超过该钱包当日支付限额（{limit}）。请换其他方式付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="42"/>
        <source>The wallet does not hold enough. Ask the customer to top it up or pay another way.</source>
        <translation>钱包余额不足。请顾客充值或换其他方式付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="44"/>
        <source>The payment code has expired. Ask the customer to refresh it and scan again.</source>
        <translation>付款码已过期。请顾客刷新后重新扫码。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="46"/>
        <source>That payment code was used already. Ask the customer to show a new one.</source>
        <translation>该付款码已使用。请顾客出示新的付款码。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="48"/>
        <source>This wallet is blocked. Ask for another way to pay.</source>
        <translation>该钱包已被冻结。请换其他方式付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="49"/>
        <source>This wallet holds another currency. Ask for another way to pay.</source>
        <translation>该钱包币种不符。请换其他方式付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="51"/>
        <source>Ask the customer to scan the code with their digital-currency wallet and pay {amount}.</source>
        <translation>请顾客用数字人民币钱包扫码支付 {amount}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="53"/>
        <source>Waiting for the customer&apos;s wallet to pay.</source>
        <translation>正在等待顾客钱包付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="54"/>
        <source>Waiting for the wallet&apos;s payment (the network is slow).</source>
        <translation>正在等待钱包付款（网络较慢）。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="55"/>
        <source>The code expired before the wallet paid. Show a new code or take another way to pay.</source>
        <translation>收款码在付款前已过期。请出示新的收款码或换其他方式付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="57"/>
        <source>No hard-wallet reader is set up on this till. Take another way to pay.</source>
        <translation>本收银台未配置硬钱包读卡器。请换其他方式付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="59"/>
        <source>The hard wallet was taken away too soon. Nothing was taken; ask the customer to hold it to the reader again.</source>
        <translation>硬钱包移开过早，未扣款。请顾客重新将硬钱包贴近读卡器。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="61"/>
        <source>The hard wallet refused. Ask the customer to pay another way.</source>
        <translation>硬钱包拒绝了本次支付。请顾客换其他方式付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="62"/>
        <source>The hard wallet holds too little offline value. Ask for another way to pay.</source>
        <translation>硬钱包离线余额不足。请换其他方式付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="64"/>
        <source>This till cannot check hard wallets yet: it needs to reach the hub once. Ask for another way to pay.</source>
        <translation>本收银台尚不能验证硬钱包：需要先连接一次中心。请换其他方式付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="66"/>
        <source>This hard wallet was not issued by the digital-currency operator. Do not accept it; ask for another way to pay.</source>
        <translation>该硬钱包并非数字人民币运营机构发行。请勿接受，换其他方式付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="68"/>
        <source>This hard wallet is blocked (revoked by the operator). Ask for another way to pay.</source>
        <translation>该硬钱包已被运营机构吊销。请换其他方式付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="70"/>
        <source>This is more than one offline digital-currency payment may be ({limit}). Ask for a smaller amount, the online wallet or another way to pay.</source>
        <translation>超过离线数字人民币单笔上限（{limit}）。请减少金额、使用在线钱包或换其他方式付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="73"/>
        <source>This hard wallet has made as many offline payments as allowed ({count}); it must go online first. Ask for another way to pay.</source>
        <translation>该硬钱包离线支付次数已达上限（{count} 笔），需先联网。请换其他方式付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="75"/>
        <source>This till holds as much offline digital currency as allowed until it syncs ({limit}). Ask for another way to pay.</source>
        <translation>本收银台待结算的离线数字人民币已达上限（{limit}），同步前不能再收。请换其他方式付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="77"/>
        <source>This till has been offline too long to take hard wallets. Ask for another way to pay until the network is back.</source>
        <translation>本收银台离线时间过长，不能收硬钱包。网络恢复前请换其他方式付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="79"/>
        <source>This hard wallet repeated a payment counter (a copied card?). Do not accept it; ask for another way to pay.</source>
        <translation>该硬钱包重复使用了交易计数（可能是复制卡）。请勿接受，换其他方式付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="81"/>
        <source>The hard wallet&apos;s answer does not verify. Nothing was taken; ask for another way to pay.</source>
        <translation>硬钱包的应答验证失败，未收款。请换其他方式付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="83"/>
        <source>The hard wallet answered an old or another till&apos;s request. Nothing was taken; ask for another way to pay.</source>
        <translation>硬钱包应答的是旧的或其他收银台的请求，未收款。请换其他方式付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="85"/>
        <source>This hard wallet is paying at several tills within minutes. Ask for the online wallet or another way to pay.</source>
        <translation>该硬钱包几分钟内在多台收银台付款。请使用在线钱包或换其他方式付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="87"/>
        <source>This hard wallet was used here many times in a few minutes. Ask for the online wallet or another way to pay.</source>
        <translation>该硬钱包几分钟内在此多次使用。请使用在线钱包或换其他方式付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="89"/>
        <source>A digital-currency payment taken offline was a double spend and was reversed by the operator. Tell the manager.</source>
        <translation>一笔离线收取的数字人民币被认定为重复支付，已被运营机构冲正。请告知店长。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="91"/>
        <source>That digital-currency payment is not settled, so it cannot be refunded yet.</source>
        <translation>该数字人民币付款尚未结算，暂不能退款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="93"/>
        <source>That is more than is left to refund of this digital-currency payment.</source>
        <translation>超过该数字人民币付款可退金额。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="95"/>
        <source>That payment could not be completed and nothing was taken. Try again, take another way to pay, or call a technician if it happens again.</source>
        <translation>这笔付款未能完成，没有扣款。请重试、换一种付款方式，如再次发生请联系技术人员。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="98"/>
        <source>You cannot {action} now (step: {step}).</source>
        <translation>现在不能{action}（当前步骤：{step}）。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="99"/>
        <source>There is no open sale to cancel (a paid sale needs a void or a refund).</source>
        <translation>没有可取消的进行中交易（已付款的交易请作废或退款）。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="101"/>
        <source>Finish or cancel the open sale first, then {action}.</source>
        <translation>请先完成或取消当前交易，然后再{action}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="102"/>
        <source>Open the shift first: count the float in the drawer.</source>
        <translation>请先开班：清点钱箱中的备用金。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="103"/>
        <source>The basket is empty. Scan an item first.</source>
        <translation>购物篮是空的。请先扫描商品。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="104"/>
        <location filename="../wording.py" line="405"/>
        <source>Total {total}. Choose how to pay.</source>
        <translation>合计 {total}。请选择付款方式。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="105"/>
        <source>Part is paid already: finish the payment or cancel the sale.</source>
        <translation>已部分付款：请完成付款或取消交易。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="106"/>
        <source>This sale is paid but could not be saved. Call a technician, then cancel the sale.</source>
        <translation>此笔交易已付款但未能保存。请联系技术人员，然后取消交易。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="108"/>
        <source>Enter an amount above zero in {currency}.</source>
        <translation>请输入大于零的 {currency} 金额。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="109"/>
        <source>Only cash can pay more than the {due} due.</source>
        <translation>只有现金可以超过应付的 {due}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="110"/>
        <source>No card reader is connected. Take another way to pay or call a technician.</source>
        <translation>未连接读卡器。请换一种付款方式或联系技术人员。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="112"/>
        <source>The card was removed too soon. {advice}</source>
        <translation>卡片拔出过早。{advice}</translation>
    </message>
    <message>
        <location filename="../wording.py" line="113"/>
        <source>That is a shop&apos;s QR code. Ask the customer to open their payment code.</source>
        <translation>这是商户的收款码。请顾客打开自己的付款码。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="115"/>
        <source>This is not a payment code. Ask the customer to open their payment code.</source>
        <translation>这不是付款码。请顾客打开自己的付款码。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="117"/>
        <source>Ask the customer to scan the code and pay {amount}.</source>
        <translation>请顾客扫码支付 {amount}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="118"/>
        <source>QR payments are not set up on this till. Take another way to pay; call a technician.</source>
        <translation>本收银台未开通扫码付款。请换一种付款方式，并联系技术人员。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="120"/>
        <source>Confirm this payment.</source>
        <translation>请确认此笔付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="121"/>
        <source>The card could not check the PIN. Ask for another way to pay.</source>
        <translation>卡片无法验证密码。请顾客换一种付款方式。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="122"/>
        <source>The PIN was wrong or not entered. Ask for another way to pay.</source>
        <translation>密码错误或未输入。请顾客换一种付款方式。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="123"/>
        <source>The supervisor did not approve this payment. Ask for another way to pay.</source>
        <translation>主管未批准此笔付款。请顾客换一种付款方式。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="125"/>
        <source>This card must be checked by the bank, and the network is down. Ask for cash or another card.</source>
        <translation>此卡须由银行联网验证，当前已断网。请收现金或换一张卡。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="127"/>
        <source>The bank declined this payment. Ask for another way to pay.</source>
        <translation>银行拒绝了此笔付款。请顾客换一种付款方式。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="128"/>
        <source>QR payments need the network, which is down. Ask for cash or a card.</source>
        <translation>扫码付款需要网络，当前已断网。请收现金或刷卡。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="130"/>
        <source>This card has expired. Ask for another card or way to pay.</source>
        <translation>此卡已过期。请顾客换一张卡或其他付款方式。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="131"/>
        <source>This card is blocked. Ask for another way to pay.</source>
        <translation>此卡已被冻结。请顾客换一种付款方式。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="132"/>
        <source>The PIN was not verified. Ask the customer to try again or pay another way.</source>
        <translation>密码未通过验证。请顾客重试或换一种付款方式。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="134"/>
        <source>The card declined the payment. Ask for another card or way to pay.</source>
        <translation>卡片拒绝了此笔付款。请顾客换一张卡或其他付款方式。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="135"/>
        <source>This card or wallet is blocked. Ask for another way to pay.</source>
        <translation>此卡或钱包已被冻结。请顾客换一种付款方式。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="136"/>
        <source>This terminal cannot take that currency. Ask for payment in the local one.</source>
        <translation>本终端不收此币种。请顾客用本币付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="138"/>
        <source>No exchange rate for this currency yet. Take the local currency or try once online.</source>
        <translation>此币种暂无汇率。请收本币或联网后再试。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="140"/>
        <source>The amount is over this terminal&apos;s limit. Split the sale or ask a supervisor.</source>
        <translation>金额超过本终端限额。请拆分交易或请主管处理。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="142"/>
        <source>A large foreign-currency sale needs a supervisor to check ID before paying.</source>
        <translation>大额外币交易需主管核验身份后才能付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="144"/>
        <source>We are offline and this amount is too high. Ask for cash or a smaller amount.</source>
        <translation>当前离线，此金额过高。请收现金或降低金额。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="146"/>
        <source>We are offline and the offline allowance is used up. Ask for cash.</source>
        <translation>当前离线，离线额度已用完。请收现金。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="148"/>
        <source>We have been offline too long for cards. Ask for cash until the network is back.</source>
        <translation>离线时间过长，暂不能刷卡。网络恢复前请收现金。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="150"/>
        <source>This card was used too many times in the last hour. Ask for another way to pay.</source>
        <translation>此卡一小时内使用次数过多。请顾客换一种付款方式。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="152"/>
        <source>This card was used very often today. Ask a supervisor to confirm.</source>
        <translation>此卡今天使用非常频繁。请主管确认。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="153"/>
        <source>The card was not read by chip or tap. Ask the customer to enter the PIN.</source>
        <translation>此卡未通过芯片或挥卡读取。请顾客输入密码。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="155"/>
        <source>Large amount: ask the customer to enter the PIN.</source>
        <translation>金额较大：请顾客输入密码。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="156"/>
        <source>Very large amount: a supervisor must confirm this sale.</source>
        <translation>金额很大：须由主管确认此笔交易。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="157"/>
        <source>Unusual for this card. Ask the customer to enter the PIN.</source>
        <translation>此卡交易异常。请顾客输入密码。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="158"/>
        <source>This payment looks risky. Ask a supervisor to check ID.</source>
        <translation>此笔付款存在风险。请主管核验身份。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="159"/>
        <source>This payment looks like fraud. Decline it and ask for another way to pay.</source>
        <translation>此笔付款疑似欺诈。请拒绝并请顾客换一种付款方式。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="161"/>
        <source>The payment could not be saved, so it was not taken. Call a technician; take no more card payments.</source>
        <translation>付款未能保存，因此未扣款。请联系技术人员；暂停收取银行卡付款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="163"/>
        <source>{kind_label} {amount} approved. {remaining} still to pay.</source>
        <translation>{kind_label} {amount} 已批准。还需支付 {remaining}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="164"/>
        <source>The sale could not be saved, so it is not finished. Call a technician, then cancel the sale.</source>
        <translation>交易未能保存，因此尚未完成。请联系技术人员，然后取消交易。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="166"/>
        <source>Paid {paid}.</source>
        <translation>已付 {paid}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="167"/>
        <source>Give {change} change.</source>
        <translation>请找零 {change}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="168"/>
        <source>The receipt did not print: {advice} Then press Reprint.</source>
        <translation>小票未打印：{advice}然后按“重新打印”。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="169"/>
        <source>{remaining} is still due.</source>
        <translation>还需支付 {remaining}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="170"/>
        <source>Call a technician if it happens again.</source>
        <translation>如再次发生请联系技术人员。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="171"/>
        <source>Receipt printed.</source>
        <translation>小票已打印。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="172"/>
        <source>Sale done without a receipt.</source>
        <translation>交易完成，未打印小票。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="173"/>
        <source>Drawer open.</source>
        <translation>钱箱已打开。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="174"/>
        <source>Sale cancelled.</source>
        <translation>交易已取消。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="175"/>
        <source>Give back {cash} cash.</source>
        <translation>请退还现金 {cash}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="176"/>
        <source>Only {amount} of this can go back to the original payments; refund fewer items or call the manager.</source>
        <translation>原付款方式最多只能退回 {amount}；请减少退货商品或联系经理。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="178"/>
        <source>A refund of this sale was started and not saved. Finish that refund first.</source>
        <translation>此笔交易有一笔已开始但未保存的退款。请先完成那笔退款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="180"/>
        <source>This sale has no unfinished refund.</source>
        <translation>此笔交易没有未完成的退款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="181"/>
        <source>Choose at least one item to refund.</source>
        <translation>请至少选择一件要退的商品。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="182"/>
        <source>This sale was voided, so there is nothing to refund.</source>
        <translation>此笔交易已作废，无可退款项。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="183"/>
        <source>{message}</source>
        <translation>{message}</translation>
    </message>
    <message>
        <location filename="../wording.py" line="184"/>
        <source>Enter whole numbers of items.</source>
        <translation>请输入整数件数。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="185"/>
        <source>The bank refused to refund this card or QR payment. Call the manager.</source>
        <translation>银行拒绝退还这笔银行卡或扫码付款。请联系经理。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="187"/>
        <source>This sale was voided already.</source>
        <translation>此笔交易已经作废。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="188"/>
        <source>This sale has refunds, so it cannot be voided; refund the rest instead.</source>
        <translation>此笔交易已有退款，不能作废；请将其余部分退款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="190"/>
        <source>This sale is from an earlier business day and is settled; refund it instead.</source>
        <translation>此笔交易属于之前的营业日且已结算；请改为退款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="192"/>
        <source>Refunded {amount}.</source>
        <translation>已退款 {amount}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="193"/>
        <source>The card or QR refund went to the bank.</source>
        <translation>银行卡或扫码退款已提交银行。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="194"/>
        <source>The card or QR refund reaches the bank when the network is back.</source>
        <translation>银行卡或扫码退款将在网络恢复后提交银行。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="196"/>
        <source>The card or QR refund reaches the bank with the next sync.</source>
        <translation>银行卡或扫码退款将在下次同步时提交银行。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="197"/>
        <source>Sale voided ({amount}).</source>
        <translation>交易已作废（{amount}）。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="198"/>
        <source>The card or QR payment is released when the network is back.</source>
        <translation>银行卡或扫码付款将在网络恢复后释放。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="200"/>
        <source>The card or QR payment is released.</source>
        <translation>银行卡或扫码付款已释放。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="201"/>
        <source>Enter a reason for the refund.</source>
        <translation>请填写退款原因。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="202"/>
        <source>Enter a reason for the void.</source>
        <translation>请填写作废原因。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="203"/>
        <source>No completed sale with that number on this till. Search by time, amount or card.</source>
        <translation>本收银台没有此编号的已完成交易。请按时间、金额或卡号查找。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="205"/>
        <source>The refund could not be saved, so nothing was refunded. Call a technician.</source>
        <translation>退款未能保存，因此没有退款。请联系技术人员。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="207"/>
        <source>The refund could not be saved. Call a technician, then finish the refund from the sale.</source>
        <translation>退款未能保存。请联系技术人员，然后从该交易完成退款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="209"/>
        <source>The void could not be saved, so the sale stands. Call a technician.</source>
        <translation>作废未能保存，交易仍然有效。请联系技术人员。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="210"/>
        <source>The refund slip did not print: {advice}</source>
        <translation>退款单未打印：{advice}</translation>
    </message>
    <message>
        <location filename="../wording.py" line="211"/>
        <source>The void slip did not print: {advice}</source>
        <translation>作废单未打印：{advice}</translation>
    </message>
    <message>
        <location filename="../wording.py" line="212"/>
        <source>This is not a receipt code from this shop. Find the sale by time, amount or card instead.</source>
        <translation>这不是本店的小票码。请按时间、金额或卡号查找交易。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="214"/>
        <source>This receipt code is damaged. Find the sale by time, amount or card instead.</source>
        <translation>小票码已损坏。请按时间、金额或卡号查找交易。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="216"/>
        <source>Give the search times with a time zone.</source>
        <translation>查找时间请带上时区。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="217"/>
        <source>Enter the sale amount as a positive number.</source>
        <translation>请以正数输入交易金额。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="218"/>
        <source>Enter exactly the last four digits of the card.</source>
        <translation>请准确输入卡号后四位。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="219"/>
        <source>This receipt is from till {till}. Refund it at that till.</source>
        <translation>此小票来自收银台 {till}。请在该收银台退款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="220"/>
        <source>Wrong PIN. {tries_left} tries left.</source>
        <translation>密码错误。还可尝试 {tries_left} 次。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="221"/>
        <source>This operator is locked until {until} UTC. Ask a manager to unlock.</source>
        <translation>此操作员已被锁定至 UTC {until}。请经理解锁。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="222"/>
        <source>Too many wrong PINs: locked until {until} UTC. Ask a manager to unlock.</source>
        <translation>密码错误次数过多：已锁定至 UTC {until}。请经理解锁。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="224"/>
        <source>Only a manager can add operators.</source>
        <translation>只有经理可以添加操作员。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="225"/>
        <location filename="../wording.py" line="370"/>
        <source>A PIN is 4 to 12 digits.</source>
        <translation>密码为 4 到 12 位数字。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="226"/>
        <source>An operator needs an id and a name.</source>
        <translation>操作员需要编号和姓名。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="227"/>
        <source>Operator {operator_id} already exists.</source>
        <translation>操作员 {operator_id} 已存在。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="228"/>
        <source>Unknown operator. Check the operator number.</source>
        <translation>未知操作员。请核对操作员编号。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="229"/>
        <source>A manager cannot disable themselves; ask another manager.</source>
        <translation>经理不能停用自己；请另一位经理操作。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="230"/>
        <source>Unknown operator or wrong PIN.</source>
        <translation>未知操作员或密码错误。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="231"/>
        <source>{name} ({approver_role}) cannot approve this. Call a {needed_role}.</source>
        <translation>{name}（{approver_role}）无权批准此操作。请找{needed_role}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="233"/>
        <source>A {needed_role} must approve this.</source>
        <translation>此操作须由{needed_role}批准。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="234"/>
        <source>The float entered under {entered} is in {currency}. Enter it under {currency}.</source>
        <translation>填在 {entered} 下的备用金是 {currency}。请填在 {currency} 下。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="236"/>
        <source>The count entered under {entered} is in {currency}. Enter it under {currency}.</source>
        <translation>填在 {entered} 下的点钞金额是 {currency}。请填在 {currency} 下。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="238"/>
        <source>The float in {currency} cannot be below zero. Count the cash again.</source>
        <translation>{currency} 备用金不能小于零。请重新点钞。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="240"/>
        <source>The count in {currency} cannot be below zero. Count the cash again.</source>
        <translation>{currency} 点钞金额不能小于零。请重新点钞。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="242"/>
        <source>No shift is open. Open a shift and count the cash float first.</source>
        <translation>当前没有开班。请先开班并清点备用金。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="243"/>
        <source>Shift Z{z_number} is still open. Close it with a Z report first.</source>
        <translation>班次 Z{z_number} 仍未结束。请先用 Z 报表结班。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="244"/>
        <source>{name} cannot open a shift. Log in as a cashier or manager.</source>
        <translation>{name} 不能开班。请以收银员或经理身份登录。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="245"/>
        <source>Count the {currencies} cash too (enter 0 if there is none).</source>
        <translation>请同时清点 {currencies} 现金（没有请填 0）。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="246"/>
        <source>There is no such Z report on this till.</source>
        <translation>本收银台没有这份 Z 报表。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="247"/>
        <source>No shift was closed yet.</source>
        <translation>还没有结束过班次。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="248"/>
        <source>Choose a report language: {languages}.</source>
        <translation>请选择报表语言：{languages}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="249"/>
        <source>The report did not print: {advice} It is saved; print it again.</source>
        <translation>报表未打印：{advice}报表已保存，请重新打印。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="250"/>
        <source>Check the device and try again.</source>
        <translation>请检查设备后重试。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="251"/>
        <source>Start the reader service (pcscd) or restart the terminal.</source>
        <translation>请启动读卡服务（pcscd）或重启终端。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="253"/>
        <source>Plug the device in (check the cable and power) and run `edgepos doctor`.</source>
        <translation>请连接设备（检查线缆和电源），然后运行 `edgepos doctor`。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="255"/>
        <source>Ask the customer to insert the card again and leave it in until the end.</source>
        <translation>请顾客重新插卡，并在交易结束前不要拔卡。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="257"/>
        <source>Try again; if it keeps happening, reconnect the device.</source>
        <translation>请重试；如反复出现，请重新连接设备。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="258"/>
        <source>Try another card or payment method.</source>
        <translation>请换一张卡或其他付款方式。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="259"/>
        <source>Load a new paper roll and close the printer cover.</source>
        <translation>请装入新纸卷并合上打印机盖。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="260"/>
        <source>Switch the printer on, close its cover and check the cable or network.</source>
        <translation>请打开打印机电源，合上机盖，并检查线缆或网络。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="262"/>
        <source>This card cannot be used here: ask for another card or payment method.</source>
        <translation>此卡不能在本店使用：请顾客换一张卡或其他付款方式。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="264"/>
        <source>This code cannot be used for payment: ask the customer for another code or payment method.</source>
        <translation>此码不能用于付款：请顾客换一个付款码或其他付款方式。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="267"/>
        <source>{What} is required.</source>
        <translation>必须填写：{what}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="268"/>
        <source>The {what} has no time zone.</source>
        <translation>{what} 没有时区。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="269"/>
        <source>The {what} is not a valid time.</source>
        <translation>{what} 不是有效的时间。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="270"/>
        <source>The cart is empty.</source>
        <translation>购物车是空的。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="271"/>
        <source>Two lines have the same line number.</source>
        <translation>两行商品的行号相同。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="272"/>
        <source>The price of {name} cannot be negative.</source>
        <translation>{name} 的价格不能为负数。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="273"/>
        <source>The quantity must be at least 1.</source>
        <translation>数量至少为 1。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="274"/>
        <source>The discount is in {discount_currency}; the price is in {price_currency}.</source>
        <translation>折扣的币种是 {discount_currency}，价格的币种是 {price_currency}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="276"/>
        <source>Line numbers and quantities start at 1.</source>
        <translation>行号和数量都从 1 开始。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="277"/>
        <source>Prices and discounts cannot be negative.</source>
        <translation>价格和折扣不能为负数。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="278"/>
        <source>The amounts of line {line} do not add up.</source>
        <translation>第 {line} 行的金额对不上。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="279"/>
        <source>This cart is in {cart_currency}; {name} is priced in {item_currency}.</source>
        <translation>本单使用 {cart_currency}，{name} 的标价是 {item_currency}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="281"/>
        <source>This cart is in {cart_currency}; the discount is in {discount_currency}.</source>
        <translation>本单使用 {cart_currency}，折扣使用 {discount_currency}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="283"/>
        <source>Line {line} is not in {currency}.</source>
        <translation>第 {line} 行不是 {currency}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="284"/>
        <source>Line {line} is not in the cart.</source>
        <translation>购物车里没有第 {line} 行。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="285"/>
        <source>Tax code {tax_code} is already used with another rate.</source>
        <translation>税码 {tax_code} 已用于另一个税率。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="286"/>
        <source>A discount is either a percentage or an amount.</source>
        <translation>折扣要么是百分比，要么是金额。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="287"/>
        <source>A percentage discount must be above 0% and at most 100%.</source>
        <translation>百分比折扣必须大于 0% 且不超过 100%。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="288"/>
        <source>A discount amount must be above zero.</source>
        <translation>折扣金额必须大于零。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="289"/>
        <source>Currency {currency} is not supported.</source>
        <translation>不支持币种 {currency}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="290"/>
        <source>The amount is not a number.</source>
        <translation>金额不是数字。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="291"/>
        <source>The amount is too large.</source>
        <translation>金额太大。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="292"/>
        <source>{text} is not an amount.</source>
        <translation>{text} 不是金额。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="293"/>
        <source>{currency} amounts have {decimals}; {text} has more.</source>
        <translation>{currency} 金额最多 {places} 位小数，{text} 超出了。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="294"/>
        <source>Cannot {verb} {first} and {second}.</source>
        <translation>{first} 和 {second} 不能一起计算。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="295"/>
        <source>There is nothing to share the amount between.</source>
        <translation>没有可以分摊金额的对象。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="296"/>
        <source>A share ratio cannot be negative.</source>
        <translation>分摊比例不能为负数。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="297"/>
        <source>At least one share ratio must be above zero.</source>
        <translation>至少要有一个分摊比例大于零。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="298"/>
        <source>An amount can only be split into one or more parts.</source>
        <translation>金额只能拆分成一份或多份。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="299"/>
        <source>A receipt keeps only a masked card: **** and four digits.</source>
        <translation>小票上只保留遮蔽后的卡号：**** 加后四位。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="300"/>
        <source>The sale is not paid yet; there is no receipt to print.</source>
        <translation>这笔交易还未付清，没有小票可打印。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="301"/>
        <source>This refund is for another sale.</source>
        <translation>这笔退款属于另一笔交易。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="302"/>
        <source>This sale is not voided.</source>
        <translation>这笔交易没有作废。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="303"/>
        <source>This is not a receipt record.</source>
        <translation>这不是小票记录。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="304"/>
        <source>This is not a {expected} record.</source>
        <translation>这不是 {expected} 记录。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="305"/>
        <source>Line {line} is not on this sale.</source>
        <translation>这笔交易没有第 {line} 行。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="306"/>
        <source>Refund at least one unit of each line chosen.</source>
        <translation>所选的每一行至少退一件。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="307"/>
        <source>Refund amounts cannot be negative.</source>
        <translation>退款金额不能为负数。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="308"/>
        <source>A refund lists the same sale line twice.</source>
        <translation>退款中同一行出现了两次。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="309"/>
        <source>Pay back exactly {total} (the payments add up to {paid_out}).</source>
        <translation>应正好退还 {total}（退款方式合计为 {paid_out}）。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="311"/>
        <source>The refund record&apos;s total does not match its lines.</source>
        <translation>退款记录的总额与明细不符。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="312"/>
        <source>This sale was voided.</source>
        <translation>这笔交易已作废。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="313"/>
        <source>This sale is already paid.</source>
        <translation>这笔交易已付清。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="314"/>
        <source>This sale is in {sale_currency}; the payment is in {payment_currency}.</source>
        <translation>这笔交易使用 {sale_currency}，付款使用 {payment_currency}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="316"/>
        <source>Nothing is left to pay.</source>
        <translation>已没有待付金额。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="317"/>
        <source>This void is for another sale.</source>
        <translation>这次作废属于另一笔交易。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="318"/>
        <source>This sale is already voided.</source>
        <translation>这笔交易已经作废。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="319"/>
        <source>This sale has refunds; it can no longer be voided.</source>
        <translation>这笔交易已有退款，不能再作废。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="320"/>
        <source>This sale is in {sale_currency}; the refund is in {refund_currency}.</source>
        <translation>这笔交易使用 {sale_currency}，退款使用 {refund_currency}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="322"/>
        <source>This refund is already recorded.</source>
        <translation>这笔退款已经记录过了。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="323"/>
        <source>This sale was voided; it cannot be refunded.</source>
        <translation>这笔交易已作废，不能退款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="324"/>
        <source>This sale is not paid yet; it cannot be refunded.</source>
        <translation>这笔交易还未付清，不能退款。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="325"/>
        <source>Only {left} of {name} can still be refunded.</source>
        <translation>{name} 最多还能退 {left} 件。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="326"/>
        <source>This refund is in {refund_currency}; line {line} is not.</source>
        <translation>这笔退款使用 {refund_currency}，第 {line} 行不是。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="328"/>
        <source>Line {line} of the refund does not match the sale.</source>
        <translation>退款的第 {line} 行与原交易不符。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="329"/>
        <source>This would refund more than was paid for {name}.</source>
        <translation>这样退还的金额会超过 {name} 的实付金额。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="330"/>
        <source>{name} has already been refunded in full.</source>
        <translation>{name} 已经全部退过了。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="331"/>
        <source>The sale record&apos;s {field} does not match its lines and payments.</source>
        <translation>交易记录的 {field} 与明细和付款不符。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="333"/>
        <source>Tax rate {rate} is not a fraction between 0 and 1 (13% is 0.13).</source>
        <translation>税率 {rate} 不是 0 到 1 之间的小数（13% 写作 0.13）。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="335"/>
        <source>Net and tax do not add up to the gross amount.</source>
        <translation>净额加税额不等于含税总额。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="336"/>
        <source>Tax code {tax_code} is used with two different rates.</source>
        <translation>税码 {tax_code} 用于两个不同的税率。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="337"/>
        <source>A payment must be above zero.</source>
        <translation>付款金额必须大于零。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="338"/>
        <source>This payment needs its reference (authorisation or transaction id).</source>
        <translation>这笔付款需要参考号（授权号或交易号）。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="340"/>
        <source>A cash payment has no card.</source>
        <translation>现金付款没有银行卡。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="341"/>
        <source>Keep only the last four digits of the card.</source>
        <translation>只保留卡号后四位。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="342"/>
        <source>A cash payment has no card or wallet token.</source>
        <translation>现金付款没有银行卡或钱包令牌。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="343"/>
        <source>A card or wallet token looks like tk_ and hex digits.</source>
        <translation>银行卡或钱包令牌的格式是 tk_ 加十六进制数字。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="345"/>
        <source>This is not an edgepos provisioning code. Scan the code the hub printed.</source>
        <translation>这不是 edgepos 开通码。请扫描服务端打印的开通码。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="347"/>
        <source>This provisioning code is damaged or was altered. Print a new one. Nothing was changed.</source>
        <translation>此开通码已损坏或被篡改。请重新打印。未做任何更改。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="349"/>
        <source>This provisioning code was signed by another provisioning root, not the one this terminal trusts. Nothing was changed.</source>
        <translation>此开通码由另一个开通根密钥签名，不是本终端信任的根密钥。未做任何更改。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="351"/>
        <source>This provisioning code has expired. Print a new one. Nothing was changed.</source>
        <translation>此开通码已过期。请重新打印。未做任何更改。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="353"/>
        <source>This provisioning code was used already: each code sets up one terminal once. Print a new one. Nothing was changed.</source>
        <translation>此开通码已被使用：每个开通码只能开通一台终端一次。请重新打印。未做任何更改。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="355"/>
        <source>The hub does not know this provisioning code. Print a new one at the hub the code names. Nothing was changed.</source>
        <translation>服务端不认识此开通码。请在开通码所指的服务端重新打印。未做任何更改。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="357"/>
        <source>The server the code names is not the hub this code was made for (its key does not match): a device in the middle, or the wrong address. Nothing was changed.</source>
        <translation>开通码所指的服务器不是签发此码的服务端（密钥不匹配）：可能有中间人设备，或地址错误。未做任何更改。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="360"/>
        <source>No provisioning root is installed on this terminal. Install the package built with your root.</source>
        <translation>本终端未安装开通根密钥。请安装带有您的根密钥的软件包。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="362"/>
        <source>The hub&apos;s settings or product list changed since this code was printed. Print a new one. Nothing was changed.</source>
        <translation>自打印此开通码以来，服务端的设置或商品清单已更改。请重新打印。未做任何更改。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="364"/>
        <source>The hub refused to set up this terminal. Print a new code. Nothing was changed.</source>
        <translation>服务端拒绝开通此终端。请重新打印开通码。未做任何更改。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="366"/>
        <source>This terminal cannot be set up here: {reason}</source>
        <translation>无法在此开通终端：{reason}</translation>
    </message>
    <message>
        <location filename="../wording.py" line="367"/>
        <source>The hub did not answer. Check the network and scan again. Nothing was changed.</source>
        <translation>服务端没有响应。请检查网络后重新扫描。未做任何更改。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="369"/>
        <source>The two PINs differ. Type the PIN twice.</source>
        <translation>两次输入的 PIN 不一致。请输入两次相同的 PIN。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="371"/>
        <source>Terminal {terminal} is set up for {location}. The slip is below; log in with the manager&apos;s PIN to sell.</source>
        <translation>终端 {terminal} 已为 {location} 开通。开通单见下方；请用店长的 PIN 登录后开始销售。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="373"/>
        <source>All {count} devices passed their self-test.</source>
        <translation>全部 {count} 台设备自检通过。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="374"/>
        <source>These devices failed their self-test: {bad}.</source>
        <translation>以下设备自检失败：{bad}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="375"/>
        <source>The test page was printed on {printer}.</source>
        <translation>测试页已在 {printer} 上打印。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="376"/>
        <source>The test page could not be printed: {error}</source>
        <translation>无法打印测试页：{error}</translation>
    </message>
    <message>
        <location filename="../wording.py" line="377"/>
        <source>No card reader is configured on this till.</source>
        <translation>本收银台未配置读卡器。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="378"/>
        <source>The test card was read (card ending {last4}).</source>
        <translation>测试卡读取成功（尾号 {last4}）。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="379"/>
        <source>The test card could not be read: {error}</source>
        <translation>无法读取测试卡：{error}</translation>
    </message>
    <message>
        <location filename="../wording.py" line="380"/>
        <source>This till has no hub configured.</source>
        <translation>本收银台未配置服务端。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="381"/>
        <source>The hub {hub} answered in {ms} ms and holds every record up to {hub_seq}.</source>
        <translation>服务端 {hub} 在 {ms} 毫秒内响应，已保存截至第 {hub_seq} 条的全部记录。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="383"/>
        <source>The hub {hub} does not match this till ({verdict}; hub {hub_seq}, till {local_seq}).</source>
        <translation>服务端 {hub} 与本收银台不一致（{verdict}；服务端 {hub_seq}，收银台 {local_seq}）。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="385"/>
        <source>{pending} records waiting (oldest {oldest_s} s); last sync {last_sync}; last error {last_error}.</source>
        <translation>{pending} 条记录待上传（最早 {oldest_s} 秒）；上次同步 {last_sync}；上次错误 {last_error}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="387"/>
        <source>Logs exported to {path} (no keys, no journal).</source>
        <translation>日志已导出到 {path}（不含密钥和流水）。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="388"/>
        <source>Signed diagnostics: photograph this code for the hub (edgepos hub read-diagnostics).</source>
        <translation>已签名的诊断信息：请拍下此码交给服务端（edgepos hub read-diagnostics）。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="390"/>
        <source>That operator id and PIN do not match.</source>
        <translation>操作员编号与 PIN 不匹配。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="391"/>
        <source>Only a technician or a manager opens these tools.</source>
        <translation>只有技术员或店长可以打开这些工具。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="395"/>
        <source>Touch the screen to start.</source>
        <translation>请触摸屏幕开始。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="396"/>
        <source>Choose your language.</source>
        <translation>请选择语言。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="397"/>
        <source>Scan your first item, or find it by picture.</source>
        <translation>请扫描第一件商品，或按图片查找。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="398"/>
        <source>{name} {price} added.</source>
        <translation>已添加 {name} {price}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="399"/>
        <source>Put {name} in the bagging area.</source>
        <translation>请把 {name} 放入装袋区。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="400"/>
        <source>Scan the next item, or press Pay when you are done.</source>
        <translation>请扫描下一件商品，选完后按“付款”。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="401"/>
        <source>Put {name} on the scale ({price} per kg), then press Weigh.</source>
        <translation>请把 {name} 放在秤上（每公斤 {price}），然后按“称重”。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="402"/>
        <source>The bagging area did not weigh what we expected. Please take the item out and put it back.</source>
        <translation>装袋区重量与预期不符。请取出商品后重新放入。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="404"/>
        <source>Check your basket: total {total}.</source>
        <translation>请核对购物篮：合计 {total}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="406"/>
        <source>Paid {paid}. Choose your receipt.</source>
        <translation>已付款 {paid}。请选择收据方式。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="407"/>
        <source>Enter your card PIN on the keypad, then press OK.</source>
        <translation>请在键盘上输入银行卡密码，然后按“确定”。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="408"/>
        <source>Scan this code with your payment app and pay {amount}.</source>
        <translation>请用支付应用扫描此码并支付 {amount}。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="409"/>
        <source>The payment did not go through. {reason} Try again or choose another way to pay.</source>
        <translation>付款未成功。{reason}请重试或选择其他付款方式。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="411"/>
        <source>The receipt did not print: here it is as a QR code.</source>
        <translation>收据未能打印：请扫描二维码获取收据。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="412"/>
        <source>Thank you for shopping with us!</source>
        <translation>感谢您的光临！</translation>
    </message>
    <message>
        <location filename="../wording.py" line="413"/>
        <source>Do you need more time?</source>
        <translation>您需要更多时间吗？</translation>
    </message>
    <message>
        <location filename="../wording.py" line="414"/>
        <source>Please continue.</source>
        <translation>请继续。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="415"/>
        <source>This checkout is closed. Please use another one.</source>
        <translation>此收银台已关闭，请使用其他收银台。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="416"/>
        <source>We cannot reach the bank right now. Try a card, or call for help.</source>
        <translation>暂时无法连接银行。请尝试用银行卡支付，或呼叫工作人员。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="418"/>
        <source>The PIN was not accepted.</source>
        <translation>密码未通过验证。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="419"/>
        <source>The card could not be read. Insert it again and leave it in until the screen says so.</source>
        <translation>无法读取银行卡。请重新插卡，并在屏幕提示前不要拔出。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="421"/>
        <source>The payment was not approved.</source>
        <translation>付款未获批准。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="422"/>
        <source>{name} needs an age check. An attendant is coming to help you.</source>
        <translation>{name} 需要核验年龄。工作人员马上过来协助您。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="423"/>
        <source>The bagging area weight does not match your items. An attendant is coming.</source>
        <translation>装袋区重量与商品不符。工作人员马上过来。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="425"/>
        <source>We do not know this item ({code}). Please put it aside: an attendant is coming.</source>
        <translation>无法识别此商品（{code}）。请先放在一边，工作人员马上过来。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="427"/>
        <source>The payment needs an attendant. One is coming to help you.</source>
        <translation>此次付款需要工作人员处理，工作人员马上过来协助您。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="429"/>
        <source>An attendant is coming to cancel your shopping.</source>
        <translation>工作人员马上过来为您取消本次购物。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="430"/>
        <source>Baskets of {total} need an attendant before payment. One is coming.</source>
        <translation>金额 {total} 的购物需要工作人员确认后才能付款。工作人员马上过来。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="432"/>
        <source>An attendant is coming to help you.</source>
        <translation>工作人员马上过来协助您。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="433"/>
        <source>That is not possible at this step.</source>
        <translation>当前步骤无法进行此操作。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="434"/>
        <source>Put the last item in the bagging area first.</source>
        <translation>请先把上一件商品放入装袋区。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="435"/>
        <source>This checkout has no scale. Call for help.</source>
        <translation>此收银台没有秤，请呼叫工作人员。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="436"/>
        <source>Put the item on the scale.</source>
        <translation>请把商品放在秤上。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="437"/>
        <source>That way to pay is not available here.</source>
        <translation>此处不支持该付款方式。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="438"/>
        <source>Choose print, QR code or no receipt.</source>
        <translation>请选择打印、二维码或不要收据。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="439"/>
        <source>Badges are not set up on this checkout. Type your id and PIN.</source>
        <translation>此收银台未设置工牌，请输入工号和密码。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="440"/>
        <source>Tap your badge or type your id and PIN.</source>
        <translation>请刷工牌，或输入工号和密码。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="441"/>
        <source>That call is no longer open on this checkout.</source>
        <translation>该呼叫在此收银台上已不存在。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="442"/>
        <source>This call must be cleared at the checkout.</source>
        <translation>此呼叫必须在收银台现场处理。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="443"/>
        <source>Only a technician or a manager can close the kiosk.</source>
        <translation>只有技术员或经理可以关闭自助收银机。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="444"/>
        <source>This badge is not known here.</source>
        <translation>此工牌未登记。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="445"/>
        <source>Insert card</source>
        <translation>插入银行卡</translation>
    </message>
    <message>
        <location filename="../wording.py" line="446"/>
        <source>Tap card or phone</source>
        <translation>挥卡或手机支付</translation>
    </message>
    <message>
        <location filename="../wording.py" line="447"/>
        <source>Show your payment code</source>
        <translation>出示付款码</translation>
    </message>
    <message>
        <location filename="../wording.py" line="448"/>
        <source>Scan the shop&apos;s QR code</source>
        <translation>扫描商店二维码</translation>
    </message>
    <message>
        <location filename="../wording.py" line="450"/>
        <source>Digital RMB payment code</source>
        <translation>数字人民币付款码</translation>
    </message>
    <message>
        <location filename="../wording.py" line="451"/>
        <source>Digital RMB: scan our QR</source>
        <translation>数字人民币：扫本店收款码</translation>
    </message>
    <message>
        <location filename="../wording.py" line="452"/>
        <source>Digital RMB hard wallet</source>
        <translation>数字人民币硬钱包</translation>
    </message>
    <message>
        <location filename="../wording.py" line="453"/>
        <source>Tap a Digital RMB hard wallet</source>
        <translation>碰一碰数字人民币硬钱包</translation>
    </message>
    <message>
        <location filename="../wording.py" line="454"/>
        <source>Open your Digital RMB wallet, scan this code and pay {amount}. This screen moves on by itself once you have paid.</source>
        <translation>请打开数字人民币钱包，扫描此码并支付 {amount}。付款后本屏幕会自动继续。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="456"/>
        <source>Your wallet&apos;s payment code could not be used. Open a fresh code in your wallet and scan it again.</source>
        <translation>钱包付款码无法使用。请在钱包中刷新付款码后再扫一次。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="458"/>
        <source>Your Digital RMB wallet cannot pay this amount (its balance or limit).</source>
        <translation>您的数字人民币钱包无法支付这笔金额（余额或限额不足）。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="460"/>
        <source>The shop&apos;s code expired before your wallet paid. Nothing was taken.</source>
        <translation>您的钱包付款前收款码已过期，未扣任何款项。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="462"/>
        <source>Your hard wallet could not pay. Nothing was taken; hold it to the reader until the screen moves on.</source>
        <translation>硬钱包未能付款，未扣任何款项。请将硬钱包贴近读卡器，直到屏幕继续。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="464"/>
        <source>Hold still: put the item on the scale and take your hands off.</source>
        <translation>请把商品放在秤上并松手，等待读数稳定。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="465"/>
        <source>Too heavy for the scale: take part of it off.</source>
        <translation>超出秤的量程：请取下一部分。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="466"/>
        <source>Empty the scale so it can zero itself, then try again.</source>
        <translation>请清空秤面让其归零，然后重试。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="467"/>
        <source>Touch to start</source>
        <translation>触摸开始</translation>
    </message>
    <message>
        <location filename="../wording.py" line="468"/>
        <source>Large text</source>
        <translation>大字体</translation>
    </message>
    <message>
        <location filename="../wording.py" line="469"/>
        <source>Call for help</source>
        <translation>呼叫工作人员</translation>
    </message>
    <message>
        <location filename="../wording.py" line="470"/>
        <source>Cancel shopping</source>
        <translation>取消购物</translation>
    </message>
    <message>
        <location filename="../wording.py" line="471"/>
        <source>Pay</source>
        <translation>付款</translation>
    </message>
    <message>
        <location filename="../wording.py" line="472"/>
        <source>Weigh</source>
        <translation>称重</translation>
    </message>
    <message>
        <location filename="../wording.py" line="473"/>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <location filename="../wording.py" line="474"/>
        <source>Scan more items</source>
        <translation>继续扫描</translation>
    </message>
    <message>
        <location filename="../wording.py" line="475"/>
        <source>Print receipt</source>
        <translation>打印收据</translation>
    </message>
    <message>
        <location filename="../wording.py" line="476"/>
        <source>Receipt as QR code</source>
        <translation>二维码收据</translation>
    </message>
    <message>
        <location filename="../wording.py" line="477"/>
        <source>No receipt</source>
        <translation>不要收据</translation>
    </message>
    <message>
        <location filename="../wording.py" line="478"/>
        <source>Yes, I need more time</source>
        <translation>是的，我需要更多时间</translation>
    </message>
    <message>
        <location filename="../wording.py" line="479"/>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <location filename="../wording.py" line="480"/>
        <source>Approve</source>
        <translation>批准</translation>
    </message>
    <message>
        <location filename="../wording.py" line="481"/>
        <source>Refuse</source>
        <translation>拒绝</translation>
    </message>
    <message>
        <location filename="../wording.py" line="482"/>
        <source>Staff</source>
        <translation>员工</translation>
    </message>
    <message>
        <location filename="../wording.py" line="483"/>
        <source>Close the kiosk</source>
        <translation>关闭自助收银机</translation>
    </message>
    <message>
        <location filename="../wording.py" line="484"/>
        <source>Open this checkout</source>
        <translation>开启此收银台</translation>
    </message>
    <message>
        <location filename="../wording.py" line="485"/>
        <source>Out of service</source>
        <translation>暂停服务</translation>
    </message>
    <message>
        <location filename="../wording.py" line="486"/>
        <source>Find it by picture</source>
        <translation>按图片查找</translation>
    </message>
    <message>
        <location filename="../wording.py" line="487"/>
        <source>Total {total}</source>
        <translation>合计 {total}</translation>
    </message>
    <message>
        <location filename="../wording.py" line="488"/>
        <source>Your basket is empty.</source>
        <translation>购物篮是空的。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="489"/>
        <source>On the scale: {kg} kg</source>
        <translation>秤上重量：{kg} 公斤</translation>
    </message>
    <message>
        <location filename="../wording.py" line="490"/>
        <source>Attendant: tap your badge, or type your id and PIN.</source>
        <translation>工作人员：请刷工牌，或输入工号和密码。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="491"/>
        <source>Staff only: a technician or manager may close the kiosk.</source>
        <translation>仅限员工：技术员或经理可关闭自助收银机。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="492"/>
        <source>Scan for your receipt</source>
        <translation>扫码获取收据</translation>
    </message>
    <message>
        <location filename="../wording.py" line="493"/>
        <source>Welcome</source>
        <translation>欢迎</translation>
    </message>
    <message>
        <location filename="../wording.py" line="494"/>
        <source>Type a barcode, or a name to search</source>
        <translation>输入条码，或输入名称搜索</translation>
    </message>
    <message>
        <location filename="../wording.py" line="495"/>
        <source>Attendant station</source>
        <translation>值守台</translation>
    </message>
    <message>
        <location filename="../wording.py" line="496"/>
        <source>Checkout {lane}</source>
        <translation>收银台 {lane}</translation>
    </message>
    <message>
        <location filename="../wording.py" line="497"/>
        <source>{step} · {items} items · {total}</source>
        <translation>{step} · {items} 件 · {total}</translation>
    </message>
    <message>
        <location filename="../wording.py" line="498"/>
        <source>Not reporting: check the checkout.</source>
        <translation>没有回报：请检查该收银台。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="499"/>
        <source>No connection to the checkouts: answer calls at the checkouts.</source>
        <translation>未连接到收银台：请到收银台现场处理呼叫。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="500"/>
        <source>Connected. Checkouts reporting: {count}</source>
        <translation>已连接。正在回报的收银台：{count}</translation>
    </message>
    <message>
        <location filename="../wording.py" line="501"/>
        <source>Sign in with your id and PIN to answer calls.</source>
        <translation>请输入工号和密码登录后处理呼叫。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="502"/>
        <source>Signed in: {name}</source>
        <translation>已登录：{name}</translation>
    </message>
    <message>
        <location filename="../wording.py" line="503"/>
        <source>Done.</source>
        <translation>已完成。</translation>
    </message>
    <message>
        <location filename="../wording.py" line="504"/>
        <source>The checkout refused: {reason}</source>
        <translation>收银台拒绝：{reason}</translation>
    </message>
    <message>
        <location filename="../wording.py" line="505"/>
        <source>No call</source>
        <translation>无呼叫</translation>
    </message>
    <message>
        <location filename="../wording.py" line="506"/>
        <source>Sign out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <location filename="../wording.py" line="507"/>
        <source>waiting for a customer</source>
        <translation>等待顾客</translation>
    </message>
    <message>
        <location filename="../wording.py" line="508"/>
        <source>choosing a language</source>
        <translation>选择语言</translation>
    </message>
    <message>
        <location filename="../wording.py" line="509"/>
        <source>scanning</source>
        <translation>扫描中</translation>
    </message>
    <message>
        <location filename="../wording.py" line="510"/>
        <source>weighing</source>
        <translation>称重中</translation>
    </message>
    <message>
        <location filename="../wording.py" line="511"/>
        <source>checking the basket</source>
        <translation>核对购物篮</translation>
    </message>
    <message>
        <location filename="../wording.py" line="512"/>
        <source>paying</source>
        <translation>付款中</translation>
    </message>
    <message>
        <location filename="../wording.py" line="513"/>
        <source>choosing a receipt</source>
        <translation>选择收据</translation>
    </message>
    <message>
        <location filename="../wording.py" line="514"/>
        <source>finished</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location filename="../wording.py" line="515"/>
        <source>CALLING FOR HELP</source>
        <translation>正在呼叫</translation>
    </message>
    <message>
        <location filename="../wording.py" line="516"/>
        <source>idle warning</source>
        <translation>闲置提醒</translation>
    </message>
    <message>
        <location filename="../wording.py" line="517"/>
        <source>out of service</source>
        <translation>暂停服务</translation>
    </message>
</context>
<context>
    <name>CustomerQrPage</name>
    <message>
        <location filename="../pages/payment.py" line="227"/>
        <source>Scan the code on the customer&apos;s phone</source>
        <translation>扫描顾客手机上的付款码</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="231"/>
        <source>Scan the payment code on the customer&apos;s phone.</source>
        <translation>请扫描顾客手机上的付款码。</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="235"/>
        <source>Demo: customer shows a payment code</source>
        <translation>演示：顾客出示付款码</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="238"/>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="246"/>
        <source>Amount {0}</source>
        <translation>金额 {0}</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="257"/>
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
        <location filename="../pages/payment.py" line="276"/>
        <source>Demo: customer paid in the wallet</source>
        <translation>演示：顾客已在钱包中付款</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="278"/>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="295"/>
        <source>Checking the payment…</source>
        <translation>正在确认付款…</translation>
    </message>
</context>
<context>
    <name>ProvisionScreen</name>
    <message>
        <location filename="../technician.py" line="43"/>
        <source>Scan the provisioning code</source>
        <translation>请扫描开通码</translation>
    </message>
    <message>
        <location filename="../technician.py" line="46"/>
        <source>Hold the code the hub printed under the scanner, or choose a picture of it.</source>
        <translation>请将服务端打印的开通码放在扫描器下，或选择它的图片。</translation>
    </message>
    <message>
        <location filename="../technician.py" line="49"/>
        <source>provisioning code</source>
        <translation>开通码</translation>
    </message>
    <message>
        <location filename="../technician.py" line="51"/>
        <source>Choose a picture of the code</source>
        <translation>选择开通码图片</translation>
    </message>
    <message>
        <location filename="../technician.py" line="56"/>
        <source>manager&apos;s new PIN (4 to 12 digits)</source>
        <translation>店长的新 PIN（4 到 12 位数字）</translation>
    </message>
    <message>
        <location filename="../technician.py" line="57"/>
        <source>the same PIN again</source>
        <translation>再次输入相同的 PIN</translation>
    </message>
    <message>
        <location filename="../technician.py" line="60"/>
        <source>The first manager types their own PIN (there is no default PIN):</source>
        <translation>第一位店长输入自己的 PIN（没有默认 PIN）：</translation>
    </message>
    <message>
        <location filename="../technician.py" line="63"/>
        <source>Provision this terminal</source>
        <translation>开通此终端</translation>
    </message>
    <message>
        <location filename="../technician.py" line="78"/>
        <source>Picture of the provisioning code</source>
        <translation>开通码图片</translation>
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
        <location filename="../pages/refund.py" line="37"/>
        <source>Scan receipt QR or sale no.</source>
        <translation>扫小票二维码或输入交易号</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="42"/>
        <source>Sale total</source>
        <translation>交易金额</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="45"/>
        <source>Card last 4</source>
        <translation>卡号后四位</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="50"/>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="50"/>
        <source>Last 7 days</source>
        <translation>最近 7 天</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="50"/>
        <source>Last 90 days</source>
        <translation>最近 90 天</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="60"/>
        <source>Item</source>
        <translation>商品</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="60"/>
        <source>Sold</source>
        <translation>已售</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="60"/>
        <source>Can return</source>
        <translation>可退</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="61"/>
        <source>Return</source>
        <translation>退回</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="73"/>
        <source>Customer returned the goods</source>
        <translation>顾客退货</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="73"/>
        <source>Damaged or faulty</source>
        <translation>商品损坏或故障</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="73"/>
        <source>Wrong price</source>
        <translation>价格错误</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="74"/>
        <source>Charged twice</source>
        <translation>重复扣款</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="80"/>
        <source>Search</source>
        <translation>查找</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="82"/>
        <source>Find the original sale</source>
        <translation>查找原交易</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="86"/>
        <source>Back to selling</source>
        <translation>返回收银</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="91"/>
        <source>Everything</source>
        <translation>全部</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="93"/>
        <source>Refund…</source>
        <translation>退款…</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="94"/>
        <source>Void the whole sale…</source>
        <translation>作废整笔交易…</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="95"/>
        <source>Finish the unfinished refund</source>
        <translation>完成未完成的退款</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="143"/>
        <source>No sale with that number on this till. Search by amount or card instead.</source>
        <translation>本机没有该编号的交易。请按金额或卡号查找。</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="148"/>
        <source>Looking up the sale…</source>
        <translation>正在查找交易…</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="172"/>
        <source> · part refunded</source>
        <translation> · 部分退款</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="172"/>
        <source> · refunded</source>
        <translation> · 已退款</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="173"/>
        <source> · voided</source>
        <translation> · 已作废</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="178"/>
        <source>No sales match. Widen the search.</source>
        <translation>没有匹配的交易。请放宽查找条件。</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="195"/>
        <source>Scan a receipt or pick a sale.</source>
        <translation>请扫描小票或选择一笔交易。</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="199"/>
        <source>Sale of {0}: {1} ({2})</source>
        <translation>{0} 的交易：{1}（{2}）</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="235"/>
        <source>Choose what the customer returns (− / + or Everything).</source>
        <translation>选择顾客退回的商品（− / + 或 全部）。</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="244"/>
        <source>Pay back {0} to: {1}</source>
        <translation>退还 {0} 至：{1}</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="249"/>
        <source>Choose what the customer returns first.</source>
        <translation>请先选择顾客退回的商品。</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="257"/>
        <source>Refund: a supervisor approves</source>
        <translation>退款：需主管批准</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="258"/>
        <source>Pay back {0} for {1} of the sale of {2}.</source>
        <translation>退还 {0}（{1}，原交易 {2}）。</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="259"/>
        <source>1 item</source>
        <translation>1 件</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="259"/>
        <source>{0} items</source>
        <translation>{0} 件</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="268"/>
        <source>Finishing the refund…</source>
        <translation>正在完成退款…</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="274"/>
        <source>Void the whole sale: a supervisor approves</source>
        <translation>作废整笔交易：需主管批准</translation>
    </message>
    <message>
        <location filename="../pages/refund.py" line="275"/>
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
        <location filename="../app.py" line="164"/>
        <source>Starting the hub…</source>
        <translation>正在启动中心服务…</translation>
    </message>
    <message>
        <location filename="../app.py" line="165"/>
        <source>Enrolling the till with the hub…</source>
        <translation>正在向中心服务登记本收银台…</translation>
    </message>
    <message>
        <location filename="../app.py" line="166"/>
        <source>First sync with the hub…</source>
        <translation>正在与中心服务首次同步…</translation>
    </message>
    <message>
        <location filename="../app.py" line="167"/>
        <source>Starting the card reader…</source>
        <translation>正在启动读卡器…</translation>
    </message>
    <message>
        <location filename="../app.py" line="168"/>
        <source>Starting the printer…</source>
        <translation>正在启动打印机…</translation>
    </message>
    <message>
        <location filename="../app.py" line="187"/>
        <source>Not started: {0}</source>
        <translation>未能启动：{0}</translation>
    </message>
</context>
<context>
    <name>Step</name>
    <message>
        <location filename="../wording.py" line="541"/>
        <source>idle</source>
        <translation>空闲</translation>
    </message>
    <message>
        <location filename="../wording.py" line="541"/>
        <source>basket</source>
        <translation>购物篮</translation>
    </message>
    <message>
        <location filename="../wording.py" line="542"/>
        <source>tender selection</source>
        <translation>选择付款方式</translation>
    </message>
    <message>
        <location filename="../wording.py" line="542"/>
        <source>card</source>
        <translation>等待刷卡</translation>
    </message>
    <message>
        <location filename="../wording.py" line="543"/>
        <source>customer qr</source>
        <translation>扫描顾客付款码</translation>
    </message>
    <message>
        <location filename="../wording.py" line="543"/>
        <source>merchant qr</source>
        <translation>显示商户收款码</translation>
    </message>
    <message>
        <location filename="../wording.py" line="544"/>
        <source>risk decision</source>
        <translation>风险判断</translation>
    </message>
    <message>
        <location filename="../wording.py" line="544"/>
        <source>step up pin</source>
        <translation>输入密码验证</translation>
    </message>
    <message>
        <location filename="../wording.py" line="545"/>
        <source>step up supervisor</source>
        <translation>主管验证</translation>
    </message>
    <message>
        <location filename="../wording.py" line="545"/>
        <source>journal commit</source>
        <translation>保存交易</translation>
    </message>
    <message>
        <location filename="../wording.py" line="546"/>
        <source>receipt print</source>
        <translation>打印小票</translation>
    </message>
    <message>
        <location filename="../wording.py" line="546"/>
        <source>receipt failed</source>
        <translation>小票未打印</translation>
    </message>
    <message>
        <location filename="../wording.py" line="547"/>
        <source>drawer</source>
        <translation>打开钱箱</translation>
    </message>
</context>
<context>
    <name>StepUpPage</name>
    <message>
        <location filename="../pages/payment.py" line="318"/>
        <source>Refuse: pay another way</source>
        <translation>拒绝：改用其他方式付款</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="327"/>
        <source>Ask the customer to enter the card PIN.</source>
        <translation>请顾客输入银行卡密码。</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="328"/>
        <source>A supervisor must approve this payment.</source>
        <translation>此笔付款需要主管批准。</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="331"/>
        <source>To pay {0}</source>
        <translation>应付 {0}</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="336"/>
        <source>The card checks the PIN…</source>
        <translation>卡片正在核对密码…</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="338"/>
        <source>Checking the approval…</source>
        <translation>正在核对授权…</translation>
    </message>
</context>
<context>
    <name>TechnicianPanel</name>
    <message>
        <location filename="../technician.py" line="138"/>
        <source>Technician login</source>
        <translation>技术员登录</translation>
    </message>
    <message>
        <location filename="../technician.py" line="140"/>
        <source>operator id</source>
        <translation>操作员编号</translation>
    </message>
    <message>
        <location filename="../technician.py" line="141"/>
        <source>PIN</source>
        <translation>PIN</translation>
    </message>
    <message>
        <location filename="../technician.py" line="143"/>
        <source>Log in</source>
        <translation>登录</translation>
    </message>
    <message>
        <location filename="../technician.py" line="153"/>
        <source>Diagnostics</source>
        <translation>诊断</translation>
    </message>
    <message>
        <location filename="../technician.py" line="153"/>
        <source>Test print</source>
        <translation>测试打印</translation>
    </message>
    <message>
        <location filename="../technician.py" line="154"/>
        <source>Test card</source>
        <translation>测试卡</translation>
    </message>
    <message>
        <location filename="../technician.py" line="154"/>
        <source>Network and hub</source>
        <translation>网络与服务端</translation>
    </message>
    <message>
        <location filename="../technician.py" line="155"/>
        <source>Queue</source>
        <translation>队列</translation>
    </message>
    <message>
        <location filename="../technician.py" line="155"/>
        <source>Versions</source>
        <translation>版本</translation>
    </message>
    <message>
        <location filename="../technician.py" line="156"/>
        <source>Export logs</source>
        <translation>导出日志</translation>
    </message>
    <message>
        <location filename="../technician.py" line="156"/>
        <source>Diagnostics QR code</source>
        <translation>诊断二维码</translation>
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
        <location filename="../pages/payment.py" line="38"/>
        <source>Digital RMB</source>
        <translation>数字人民币</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="43"/>
        <source>Back to basket</source>
        <translation>返回购物篮</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="44"/>
        <source>Cancel sale</source>
        <translation>取消交易</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="60"/>
        <source>To pay {0}</source>
        <translation>应付 {0}</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="62"/>
        <source>Total {0}. Paid so far: {1}</source>
        <translation>合计 {0}。已付：{1}</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="63"/>
        <source>Total {0}</source>
        <translation>合计 {0}</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="84"/>
        <source>Making the QR code…</source>
        <translation>正在生成二维码…</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="90"/>
        <source>Tap Cancel sale again to cancel the whole sale.</source>
        <translation>再点一次“取消交易”将取消整笔交易。</translation>
    </message>
    <message>
        <location filename="../pages/payment.py" line="91"/>
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
